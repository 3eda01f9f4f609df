"""`advice-call.recorded`: recent activity, and the `conveyance-avoided-follow-up` rule."""

from __future__ import annotations

from typing import Any

from carecoord_devstack.testing import new_nhs_number
from carecoord_shared.events import Event
from mdt.events import advice_call_recorded
from services.mdt.tests.builders import an_event
from services.mdt.tests.conftest import Mdt, sources
from services.mdt.tests.units import a_team, fake_context, fake_unit_of_work


def follow_up_call(nhs: str, outcome: str, **data: Any) -> Event:
    """An advice call about `nhs` that asked for follow-up, ending in `outcome`."""
    return an_event("advice-call.recorded", nhs, outcome=outcome, followUpNeeded=True, **data)


async def test_an_avoided_conveyance_needing_follow_up_lists_with_the_localitys_mdt(
    mdt: Mdt,
) -> None:
    await mdt.team()
    nhs = new_nhs_number()  # no practice known here: the call's locality decides
    call = follow_up_call(nhs, "not-conveyed", communication="Communication/c1", locality="north")
    await mdt.consume(advice_call_recorded.CONSUMER, call)
    assert [s["kind"] for s in await sources(mdt, nhs)] == ["conveyance-avoided-follow-up"]
    assert await mdt.scalar("select urgency from mdt_case where patient_nhs = :n", n=nhs) == "soon"
    kind = "select kind from mdt_activity where reference = 'Communication/c1'"
    assert await mdt.scalar(kind) == "advice-call"


async def test_a_conveyed_patient_is_recorded_but_not_listed(mdt: Mdt) -> None:
    nhs = await mdt.served_patient()
    call = follow_up_call(nhs, "conveyed", communication="Communication/c2")
    await mdt.consume(advice_call_recorded.CONSUMER, call)
    assert await sources(mdt, nhs) == []
    recorded = "select count(*) from mdt_activity where patient_nhs = :n"
    assert await mdt.scalar(recorded, n=nhs) == 1


# Unit tests on the in-memory unit of work (tests/fakes.py).


async def test_unit_the_locality_decides_when_the_practice_is_unknown() -> None:
    tx, store = fake_unit_of_work()
    mdt_id = await a_team(tx)
    call = follow_up_call(
        "9990000018", "not-conveyed", communication="Communication/c9", locality="north"
    )
    await advice_call_recorded.handle(tx, call, fake_context())
    [case] = store.cases.rows.values()
    assert (case.mdt_id, case.urgency) == (mdt_id, "soon")
    elsewhere = follow_up_call("9990000026", "not-conveyed", locality="south")
    await advice_call_recorded.handle(tx, elsewhere, fake_context())
    assert len(store.cases.rows) == 1
