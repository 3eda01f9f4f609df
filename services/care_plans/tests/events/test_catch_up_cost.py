"""What catching up on the referrals path costs per event (issues 15 and 16), counted.

A backlog arrives as runs of one partition's events, each run one transaction: here
a run of 100 events for 10 patients with a plan each (per patient: a request
submitted, and advice given on four requests, each adding an activity to the plan),
applied by the real worker's handlers on the real database, as the consumer does
after an outage. The statements per event are exact; the CPU per event is printed
(`-s`) for the record, not asserted (the machine is shared).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from care_plans.worker import build_worker
from carecoord_shared.events import Event, InboxConsumer, new_event
from carecoord_shared.store.tables import resource
from carecoord_shared.testing.statements import counting
from services.care_plans.tests.builders import care_plan
from services.care_plans.tests.conftest import CarePlans

PATIENTS = 10
ADVICE_PER_PATIENT = 4


def _referral(event_type: str, nhs: str, request: str, **data: Any) -> Event:
    return new_event(
        f"carecoord.referral.{event_type}.v1",
        source="urn:carecoord:referrals",
        subject=request,
        nhs_number=nhs,
        data={"serviceRequest": request, "nhsNumber": nhs, "ubrn": "a.000012345678", **data},
    )


def _unit_events(nhs: str) -> list[Event]:
    run = [
        _referral(
            "submitted",
            nhs,
            f"ServiceRequest/{uuid.uuid4()}",
            status="active",
            category=["advice-and-guidance"],
            priority="routine",
            requester="Organization/A81001",
            versionId=1,
        )
    ]
    for _ in range(ADVICE_PER_PATIENT):
        request = f"ServiceRequest/{uuid.uuid4()}"
        run.append(
            _referral(
                "triaged",
                nhs,
                request,
                outcome="advice-given",
                service="HealthcareService/resp",
                requester="Organization/A81001",
                reason=None,
                mdtDiscussionRequested=False,
            )
        )
    return run


async def test_a_run_of_referral_events_costs_few_statements_per_event(
    care_plans: CarePlans,
) -> None:
    events: list[Event] = []
    for _ in range(PATIENTS):
        _, nhs = await care_plans.registered()
        await care_plans.post(care_plan(nhs), role="system")
        events += _unit_events(nhs)
    [subscription] = build_worker(care_plans.settings).subscriptions
    consumer = InboxConsumer(
        care_plans.engine,
        care_plans.settings.kafka_bootstrap_servers,
        "care_plans.catch-up-cost",
        subscription.topics,
        subscription.handlers,
        run_scope=subscription.run_scope,
    )
    with counting(care_plans.engine) as seen:
        await consumer._apply(events)  # one run, as after an outage
    per_event = seen.round_trips() / len(events)
    print(
        f"\ncatch-up: {seen.count} statements + {seen.transactions} transaction(s) for "
        f"{len(events)} events = {per_event:.2f} round trips and "
        f"{1000 * seen.cpu_s / len(events):.2f} ms CPU per event"
    )
    async with care_plans.engine.connect() as conn:
        tasks = await conn.scalar(
            select(func.count()).where(resource.c.resource_type == "Task", ~resource.c.deleted)
        )
    assert consumer.stats.handled == len(events)
    assert tasks == PATIENTS * ADVICE_PER_PATIENT
    # 9.9 before the store, outbox, Provenance and activities were batched, 2.2 before the
    # projection, risk scores and plan lookups were set-based across patients
    assert per_event <= 1.0
    per_patient = [s for s in seen.statements if "WITH changed AS" in s or "FOR UPDATE" in s]
    assert len(seen.statements) - len(per_patient) <= 15  # the rest: a few for the whole run
    assert seen.of("INSERT INTO care_plan_index") == 0  # linking activities leaves the row as is
