"""The contract of `Ubrns`, held by the fake and by PostgreSQL alike."""

from __future__ import annotations

from dataclasses import replace

from referrals.domain.records import TriageCase
from referrals.domain.ubrn import is_ubrn
from referrals.store.cases import TriageCases
from referrals.store.ubrns import Ubrns
from services.referrals.tests.store.conftest import Make
from services.referrals.tests.store.test_triage_cases_contract import _case


async def test_a_ubrn_is_reserved_then_bound_or_released(make: Make) -> None:
    ubrns: Ubrns = make(Ubrns)

    kept, dropped = await ubrns.reserve("a"), await ubrns.reserve("r")
    assert is_ubrn(kept)
    assert kept.startswith("a.")
    assert dropped.startswith("r.")
    assert kept != dropped
    assert await ubrns.holder(kept) == ""

    await ubrns.bind(kept, "ServiceRequest/1")
    await ubrns.release(dropped)
    await ubrns.release(kept)  # bound: stays

    assert await ubrns.holder(kept) == "ServiceRequest/1"
    assert await ubrns.holder(dropped) is None


async def test_a_ubrn_held_for_a_request_opens_its_case_and_is_released_with_it(
    make: Make,
) -> None:
    ubrns: Ubrns = make(Ubrns)
    cases: TriageCases = make(TriageCases)

    def opening(value: str) -> TriageCase:
        return replace(_case("Task/t1", "ServiceRequest/q1"), ubrn=value)

    kept = await ubrns.reserve("a", "ServiceRequest/q1", opening)
    case = await cases.for_request("ServiceRequest/q1")
    assert await ubrns.holder(kept) == "ServiceRequest/q1"
    assert case == opening(kept)

    await ubrns.release(kept, "ServiceRequest/other")  # held for another: stays
    assert await cases.for_request("ServiceRequest/q1") == case
    await ubrns.release(kept, "ServiceRequest/q1")  # the request was never stored

    assert await ubrns.holder(kept) is None
    assert await cases.for_request("ServiceRequest/q1") is None
