"""The contract of `AdviceCalls`, held by the fake and by PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


async def test_a_paramedics_calls_are_listed_latest_first_since_a_moment(make: Make) -> None:
    calls: AdviceCalls = make(AdviceCalls)
    for minutes, paramedic in [(0, "p-1"), (30, "p-1"), (90, "p-1"), (45, "p-2")]:
        at = AT + timedelta(minutes=minutes)
        await calls.record(
            AdviceCall(f"Communication/{minutes}", LINE, None, "other", "x", paramedic, at)
        )

    latest = await calls.by_paramedic("p-1")
    recent = await calls.by_paramedic("p-1", since=AT + timedelta(minutes=30), limit=1)

    assert [c.communication for c in latest] == [
        "Communication/90",
        "Communication/30",
        "Communication/0",
    ]
    assert [c.communication for c in recent] == ["Communication/90"]
    assert latest[0] == AdviceCall(
        "Communication/90", LINE, None, "other", "x", "p-1", AT + timedelta(minutes=90)
    )
    assert await calls.by_paramedic("p-3") == []
