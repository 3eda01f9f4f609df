"""The contract of `Ubrns`, held by the fake and by PostgreSQL alike."""

from __future__ import annotations

from referrals.domain.ubrn import is_ubrn
from referrals.store.ubrns import Ubrns
from services.referrals.tests.store.conftest import Make


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
