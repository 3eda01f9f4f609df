"""The response clock through the API: working-day due dates, pauses, breaches, the report.

The app runs on a clock the tests move, starting on the Thursday before Easter 2026
(Good Friday 3 April and Easter Monday 6 April are bank holidays in England and Wales).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import system_principal
from carecoord_shared.service import JobCall
from referrals.jobs.breach_scan import JOB as BREACH_SCAN
from services.referrals.tests.bodies import (
    healthcare_service,
)
from services.referrals.tests.conftest import (
    Clock,
    Referrals,
    SettingsFactory,
    started_referrals,
)
from services.referrals.tests.flows import events, message, state_of, submit, tasks_for, triage

THURSDAY_BEFORE_EASTER = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)


async def scan(harness: Referrals) -> int:
    """One run of the breach scan on the app's clock (as the worker runs it)."""
    state = harness.app.state
    fhir = FhirInteractions(harness.engine, state.registry)
    return await BREACH_SCAN.run(JobCall(fhir, state.context, system_principal("referrals-worker")))


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock(THURSDAY_BEFORE_EASTER)


@pytest.fixture(scope="module")
async def clocked(
    issuer: DevIssuer,
    referrals_settings_factory: SettingsFactory,
    clock: Clock,
    infrastructure: None,
) -> AsyncIterator[Referrals]:
    async with started_referrals(issuer, referrals_settings_factory, clock) as harness:
        yield harness


@pytest.fixture(autouse=True)
def _thursday_before_easter(clock: Clock) -> None:
    clock.now = THURSDAY_BEFORE_EASTER


async def _due(referrals: Referrals, request_id: str) -> str:
    (task,) = await tasks_for(referrals, request_id)
    return str(task["restriction"]["period"]["end"])


@pytest.mark.parametrize(
    ("priority", "targets", "due"),
    [
        ("routine", None, "2026-04-20T23:59:59Z"),  # default 10 working days
        ("urgent", None, "2026-04-08T23:59:59Z"),  # default 2 working days
        ("routine", {"routine": 5, "urgent": 1}, "2026-04-13T23:59:59Z"),
        ("urgent", {"routine": 5, "urgent": 1}, "2026-04-07T23:59:59Z"),
    ],
)
async def test_the_due_date_skips_easter_and_follows_the_service_target(
    clocked: Referrals, priority: str, targets: dict[str, int] | None, due: str
) -> None:
    service = await clocked.create(healthcare_service(targets=targets)) if targets else None
    performer = f"HealthcareService/{service['id']}" if service else None

    request = await submit(
        clocked, priority=priority, **({"performer": performer} if performer else {})
    )

    assert await _due(clocked, request["id"]) == due


async def test_a_request_for_information_pauses_the_clock_until_the_referrer_answers(
    clocked: Referrals, clock: Clock
) -> None:
    request = await submit(clocked, priority="urgent")  # due Wed 8 April
    clock.now = datetime(2026, 4, 7, 9, tzinfo=UTC)  # Tuesday after Easter
    await triage(clocked, request["id"], "information-requested", note="BP readings?")

    clock.now = datetime(2026, 4, 9, 9, tzinfo=UTC)  # Thursday: Wed and Thu were lost
    answered = await message(clocked, request, "138/85 and 142/88")

    assert answered.status_code == 201, answered.text
    assert await _due(clocked, request["id"]) == "2026-04-10T23:59:59Z"


async def test_breach_imminent_then_breached_are_each_raised_once(
    clocked: Referrals, clock: Clock
) -> None:
    request = await submit(clocked, priority="urgent")  # due end of Wed 8 April

    clock.now = datetime(2026, 4, 7, 9, tzinfo=UTC)  # before the warning (end of Tue 7)
    await scan(clocked)
    assert "carecoord.referral.breach-imminent.v1" not in await events(clocked, request["id"])
    clock.now = datetime(2026, 4, 8, 9, tzinfo=UTC)
    await scan(clocked)
    await scan(clocked)
    (escalation,) = await tasks_for(clocked, request["id"], "escalation")
    clock.now = datetime(2026, 4, 9, 0, 1, tzinfo=UTC)
    await scan(clocked)
    await scan(clocked)

    raised = await events(clocked, request["id"])
    assert raised.count("carecoord.referral.breach-imminent.v1") == 1
    assert raised.count("carecoord.referral.breached.v1") == 1
    assert escalation["owner"] == request["performer"][0]


async def test_a_paused_or_answered_request_never_breaches(
    clocked: Referrals, clock: Clock
) -> None:
    paused = await submit(clocked, priority="urgent")
    answered = await submit(clocked, priority="urgent")
    await triage(clocked, paused["id"], "information-requested")
    await triage(clocked, answered["id"], "advice-given", note="Reassure")

    clock.now = THURSDAY_BEFORE_EASTER + timedelta(days=30)
    await scan(clocked)

    for request in (paused, answered):
        assert "carecoord.referral.breached.v1" not in await events(clocked, request["id"])


async def test_the_response_report_gives_the_median_and_share_within_target(
    clocked: Referrals, clock: Clock
) -> None:
    service = await clocked.create(healthcare_service(targets={"routine": 2, "urgent": 1}))
    performer = f"HealthcareService/{service['id']}"
    first = await submit(clocked, performer=performer)  # due Wed 8 April
    second = await submit(clocked, performer=performer)
    clock.now = datetime(2026, 4, 7, 12, tzinfo=UTC)  # 1 working day later
    await triage(clocked, first["id"], "accepted")
    clock.now = datetime(2026, 4, 10, 12, tzinfo=UTC)  # 4 working days later: late
    await triage(clocked, second["id"], "advice-given", note="Advice")

    response = await clocked.client.get(
        f"/fhir/HealthcareService/{service['id']}/$response-report", headers=clocked.auth()
    )

    assert response.status_code == 200, response.text
    median, within = response.json()["group"]
    assert median["measureScore"]["value"] == 2.5  # median of 1 and 4 working days
    assert within["measureScore"]["value"] == 50.0
    assert [p["count"] for p in within["population"]] == [2, 1]


async def test_the_response_report_of_an_unknown_service_is_not_found(clocked: Referrals) -> None:
    response = await clocked.client.get(
        "/fhir/HealthcareService/nope/$response-report", headers=clocked.auth()
    )

    assert response.status_code == 404


async def test_the_triage_task_shows_whose_turn_it_is(clocked: Referrals) -> None:
    request = await submit(clocked)
    await triage(clocked, request["id"], "information-requested")

    (task,) = await tasks_for(clocked, request["id"])

    assert state_of(task) == "awaiting-information"


async def test_the_worker_runs_the_breach_scan_as_a_periodic_job(clocked: Referrals) -> None:
    from referrals.worker import build_worker

    request = await submit(clocked, priority="urgent")  # due 8 April 2026 (pinned clock)
    settings = clocked.app.state.settings.model_copy(update={"breach_scan_seconds": 0.05})
    (job,) = [j for j in build_worker(settings).jobs if j.name == "breach-scan"]

    await job.run(clocked.engine)  # the worker's own clock: long after April 2026
    await job.run(clocked.engine)

    assert job.name == "breach-scan"
    raised = await events(clocked, request["id"])
    assert raised.count("carecoord.referral.breached.v1") == 1
