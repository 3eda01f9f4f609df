"""`$response-report` on the in-memory world: median working days and share within target."""

from __future__ import annotations

from datetime import UTC, datetime

from referrals.operations.response_report import OPERATION
from referrals.service.context import Referrals
from referrals.store.cases import TriageCases
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import GP, a_service, submitted, triage_case

MONDAY = datetime(2026, 6, 8, 9, tzinfo=UTC)


async def test_the_report_counts_responses_against_their_due_dates() -> None:
    world = Memory(context=Referrals(now=lambda: MONDAY))
    service = await a_service(world)
    cases = world.repository(TriageCases)
    for request, answered in (
        (await submitted(world, service), datetime(2026, 6, 9, 12, tzinfo=UTC)),  # 1 day
        (await submitted(world, service), datetime(2026, 6, 30, 12, tzinfo=UTC)),  # late
    ):
        await cases.mark((await triage_case(world, request)).task, responded_at=answered)

    answer = await OPERATION.handler(world.call(OPERATION, GP, service.id))

    assert isinstance(answer.body, dict)
    assert answer.body["resourceType"] == "MeasureReport"
    median, within = answer.body["group"]
    assert median["measureScore"] == {"value": 8.5, "unit": "working days"}
    assert within["measureScore"] == {"value": 50.0, "unit": "%"}
    assert [p["count"] for p in within["population"]] == [2, 1]
    assert answer.body["period"]["start"] == "2026-06-08T09:00:00Z"
