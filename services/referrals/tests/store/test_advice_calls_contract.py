"""The contract of `AdviceCalls`, held by the fake and by PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime

from referrals.domain.records import AdviceCall, LocalityCalls
from referrals.store.advice_calls import AdviceCalls
from services.referrals.tests.store.conftest import Make

LINE = "HealthcareService/line"
AT = datetime(2026, 6, 1, tzinfo=UTC)


async def test_calls_are_counted_per_locality_with_those_not_conveyed(make: Make) -> None:
    calls: AdviceCalls = make(AdviceCalls)
    for number, (line, locality, outcome) in enumerate(
        [
            (LINE, "locality-2", "not-conveyed"),
            (LINE, "locality-1", "conveyed"),
            (LINE, None, "not-conveyed"),
            (LINE, "locality-1", "not-conveyed"),
            ("HealthcareService/other", "locality-1", "conveyed"),
        ]
    ):
        call = AdviceCall(f"Communication/{number}", line, locality, outcome, "x", "p", AT)
        await calls.record(call)

    assert await calls.by_locality(LINE) == [
        LocalityCalls("locality-1", 2, 1),
        LocalityCalls("locality-2", 1, 1),
        LocalityCalls(None, 1, 1),
    ]
    assert await calls.by_locality("HealthcareService/none") == []
