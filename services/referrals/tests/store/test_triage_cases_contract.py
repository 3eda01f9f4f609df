"""The contract of `TriageCases`, held by the fake and by PostgreSQL alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from referrals.domain.records import Transition, TriageCase
from referrals.domain.triage import TriageState
from referrals.store.cases import TriageCases
from services.referrals.tests.store.conftest import Make

T0 = datetime(2026, 4, 2, 10, tzinfo=UTC)


def _case(task: str, request: str, *, submitted: datetime = T0, due_days: int = 5) -> TriageCase:
    return TriageCase(
        task=task,
        service_request=request,
        ubrn="a.000000000001",
        nhs_number="9990000018",
        service="HealthcareService/s1",
        requester_ods="A81001",
        priority="routine",
        target_days=due_days,
        state=TriageState.AWAITING_TRIAGE,
        submitted_at=submitted,
        due_at=submitted + timedelta(days=due_days),
    )


async def test_triage_cases_keep_state_clock_alarms_and_transitions(make: Make) -> None:
    cases: TriageCases = make(TriageCases)
    await cases.open(_case("Task/1", "ServiceRequest/r1"))
    await cases.open(_case("Task/2", "ServiceRequest/r1", submitted=T0 + timedelta(hours=1)))
    await cases.open(_case("Task/3", "ServiceRequest/r2", due_days=1))

    # The newest case of a request is its current one, unless it was redirected away.
    current = await cases.for_request("ServiceRequest/r1", lock=True)
    assert current is not None
    assert current.task == "Task/2"
    await cases.mark("Task/2", state=TriageState.REDIRECTED)
    current = await cases.for_request("ServiceRequest/r1")
    assert current is not None
    assert (current.task, current.state) == (
        "Task/1",
        TriageState.AWAITING_TRIAGE,
    )
    assert await cases.for_request("ServiceRequest/none") is None

    # Alarms: cases awaiting triage, unraised, due before the horizon, soonest first.
    due = await cases.due(alarm="breached_at", before=T0 + timedelta(days=6))
    assert [c.task for c in due] == ["Task/3", "Task/1"]
    await cases.mark("Task/3", breached_at=T0)
    due = await cases.due(alarm="breached_at", before=T0 + timedelta(days=6), limit=5)
    assert [c.task for c in due] == ["Task/1"]
    assert [c.task for c in await cases.due(alarm="imminent_raised_at", before=T0)] == []

    # Responded cases of a service, oldest submission first.
    await cases.mark("Task/1", state=TriageState.ACCEPTED, responded_at=T0 + timedelta(days=1))
    (answered,) = await cases.responded("HealthcareService/s1")
    assert (answered.task, answered.responded_at) == ("Task/1", T0 + timedelta(days=1))
    assert answered.state is TriageState.ACCEPTED

    step = Transition(
        "ServiceRequest/r1", "Task/1", "accepted", "awaiting-triage", "accepted",
        "u1", "triage-clinician", "Y0T001", None, T0,
    )  # fmt: skip
    later = replace(step, outcome="advice-given", reason="r", at=T0 + timedelta(hours=2))
    await cases.record(step)
    await cases.record(later)
    assert await cases.transitions("ServiceRequest/r1") == [step, later]
    assert await cases.transitions("ServiceRequest/r2") == []
