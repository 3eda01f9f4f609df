"""Other services' events, consumed by the real worker through real Kafka topics.

Referral `triaged` (advice given, accepted) adds one linked activity to the patient's
plan however often it is delivered; an MDT action becomes an activity; an MDT
outcome with `planReviewed` counts as the plan's review.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from care_plans.worker import build_worker
from carecoord_devstack.testing import eventually
from carecoord_shared.events import Event, idempotent_producer, new_event, to_record
from services.care_plans.tests.builders import care_plan
from services.care_plans.tests.conftest import CarePlans, entries
from services.care_plans.tests.units import foreign_event


@pytest.fixture(scope="module")
async def producer(care_plans: CarePlans) -> AsyncIterator[Callable[[str, Event], Awaitable[None]]]:
    worker = build_worker(care_plans.settings)
    running = asyncio.create_task(worker.run())
    await asyncio.wait_for(worker.started.wait(), 60)
    kafka = idempotent_producer(care_plans.settings.kafka_bootstrap_servers)
    await kafka.start()

    async def send(topic: str, event: Event) -> None:
        record = to_record(event)
        await kafka.send_and_wait(topic, record.value, key=record.key, headers=list(record.headers))

    try:
        yield send
    finally:
        await kafka.stop()
        worker.stopping.set()
        await running


def triaged(nhs: str, request: str, outcome: str, event_id: str | None = None) -> Event:
    return new_event(
        "carecoord.referral.triaged.v1",
        source="urn:carecoord:referrals",
        subject=request,
        nhs_number=nhs,
        event_id=event_id,
        data={
            "serviceRequest": request,
            "nhsNumber": nhs,
            "ubrn": "a.000012345678",
            "outcome": outcome,
            "service": "HealthcareService/resp",
            "requester": "Organization/A81001",
            "reason": None,
            "mdtDiscussionRequested": False,
        },
    )


async def _tasks(care_plans: CarePlans, nhs: str) -> list[dict[str, Any]]:
    response = await care_plans.client.get(
        f"/fhir/Task?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}",
        headers=care_plans.auth("system"),
    )
    return entries(response)


async def test_a_triaged_event_delivered_twice_adds_one_activity(
    care_plans: CarePlans, producer: Callable[[str, Event], Awaitable[None]]
) -> None:
    topic = care_plans.settings.referrals_topic
    _, nhs = await care_plans.registered()
    plan = await care_plans.post(care_plan(nhs), role="system")
    event = triaged(nhs, "ServiceRequest/sr-1", "advice-given")
    await producer(topic, event)
    await producer(topic, event)  # redelivery: same id
    await producer(topic, triaged(nhs, "ServiceRequest/sr-1", "advice-given"))  # re-sent, new id
    await producer(topic, triaged(nhs, "ServiceRequest/sr-2", "rejected"))  # no effect
    # The sentinel is the same patient's (same key, so same partition, applied after).
    await producer(topic, triaged(nhs, "ServiceRequest/sr-9", "accepted"))

    async def both() -> list[dict[str, Any]]:
        found = await _tasks(care_plans, nhs)
        return found if len(found) >= 2 else []

    tasks = await eventually(both)
    [task] = [t for t in tasks if t["status"] == "completed"]  # sr-1's advice, once
    assert len(tasks) == 2
    assert task["focus"] == {"reference": f"CarePlan/{plan['id']}"}
    assert task["status"] == "completed"
    current = (
        await care_plans.client.get(
            f"/fhir/CarePlan/{plan['id']}", headers=care_plans.auth("system")
        )
    ).json()
    linked = [a["reference"]["reference"] for a in current["activity"]]
    assert sorted(linked) == sorted(f"Task/{t['id']}" for t in tasks)
    added = await care_plans.events(
        "carecoord.careplan.activity-added.v1", f"CarePlan/{plan['id']}"
    )
    assert [a["source"] for a in added] == ["carecoord.referral.triaged.v1"] * 2


def from_mdt(kind: str, nhs: str, subject: str, **data: Any) -> Event:
    """A `carecoord.mdt.<kind>.v1` event about the patient `nhs`, as the MDT writes it."""
    return foreign_event(f"carecoord.mdt.{kind}.v1", subject, nhs, **data)


async def _last_reviewed(care_plans: CarePlans, plan_id: str) -> list[str]:
    headers = care_plans.auth("system")
    current = (await care_plans.client.get(f"/fhir/CarePlan/{plan_id}", headers=headers)).json()
    return [
        str(e.get("valueDateTime"))
        for e in current["extension"]
        if e["url"].endswith("care-plan-last-reviewed")
    ]


async def test_mdt_actions_become_activities_and_a_reviewed_plan_counts(
    care_plans: CarePlans, producer: Callable[[str, Event], Awaitable[None]]
) -> None:
    topic = care_plans.settings.mdt_topic
    _, nhs = await care_plans.registered()
    plan = await care_plans.post(care_plan(nhs, reviewed="2025-01-01"), role="system")
    owner = {"reference": "PractitionerRole/dn", "display": "District nurse"}
    action = from_mdt(
        "action-assigned",
        nhs,
        f"Task/{uuid.uuid4()}",
        action="Task/act-1",
        case="Task/case-1",
        owner=owner,
        dueOn="2026-12-01",
        description="Review inhaler technique",
    )
    outcome = from_mdt(
        "outcome-recorded",
        nhs,
        "Task/case-1",
        case="Task/case-1",
        composition="Composition/c1",
        mdt="CareTeam/mdt-1",
        status="discussed",
        planReviewed=True,
        decisions=[],
    )
    await producer(topic, action)
    await producer(topic, outcome)

    async def reviewed() -> bool:
        return any("2025-01-01" not in day for day in await _last_reviewed(care_plans, plan["id"]))

    await eventually(reviewed)
    [task] = await _tasks(care_plans, nhs)
    assert task["description"] == "Review inhaler technique"
    assert task["restriction"]["period"]["end"] == "2026-12-01"
