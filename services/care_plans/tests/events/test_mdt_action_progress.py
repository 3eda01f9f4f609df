"""`mdt.action-acknowledged` and `mdt.action-completed`: the activity an MDT action
became moves to `accepted` / `completed`, forward only, once, with Provenance; an
action this service made no activity of is ignored. On fakes, then through the real
worker, Kafka topic and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from structlog.testing import CapturingLogger

from care_plans.domain.event_types import (
    MDT_ACTION_ACKNOWLEDGED,
    MDT_ACTION_ASSIGNED,
    MDT_ACTION_COMPLETED,
)
from care_plans.events import mdt_action_acknowledged, mdt_action_assigned, mdt_action_completed
from care_plans.fhir.vocabulary import EVENT_ID_SYSTEM
from care_plans.service import activity_progress
from carecoord_devstack.testing import eventually
from carecoord_shared.events import Event
from carecoord_shared.store.repository import StoredResource
from services.care_plans.tests.builders import care_plan
from services.care_plans.tests.conftest import CarePlans, entries
from services.care_plans.tests.integration.test_events_through_kafka import (  # noqa: F401
    producer,  # the real worker on this module's topics, and a Kafka producer
)
from services.care_plans.tests.units import FakeCarePlans, fake_care_plans, foreign_event

NHS = "9990000018"
OTHER = "9990000026"
CONSUMERS = {
    MDT_ACTION_ASSIGNED: mdt_action_assigned.CONSUMER,
    MDT_ACTION_ACKNOWLEDGED: mdt_action_acknowledged.CONSUMER,
    MDT_ACTION_COMPLETED: mdt_action_completed.CONSUMER,
}


def mdt(event_type: str, action: str, nhs: str = NHS) -> Event:
    """An MDT event about `action` as the MDT publishes it (references only, beyond
    what `action-assigned` carries)."""
    extra: dict[str, Any] = (
        {"dueOn": "2026-12-01", "description": "Review inhaler technique"}
        if event_type == MDT_ACTION_ASSIGNED
        else {"mdt": "CareTeam/mdt-1", "meeting": "Appointment/m-1"}
    )
    owner = {"reference": "Organization/A81001", "display": "Practice", "organisation": "A81001"}
    return foreign_event(
        event_type, action, nhs, action=action, case="Task/case-1", owner=owner, **extra
    )


async def run(fake: FakeCarePlans, *events: Event) -> None:
    """One run of events, applied as the worker applies it: one unit of work."""
    for event in events:
        await CONSUMERS[event.type].handler(fake.tx, event, fake.context)
    await fake.tx.finish()


async def activity(fake: FakeCarePlans) -> StoredResource:
    [task] = (await fake.tx.search("Task", [])).matches
    return task


async def provenance_of(fake: FakeCarePlans, task: StoredResource) -> int:
    return len((await fake.tx.search("Provenance", [("target", task.reference)])).matches)


async def planned(action: str = "Task/act-1") -> FakeCarePlans:
    """A patient with a plan and the MDT action's activity on it (requested)."""
    fake = fake_care_plans()
    await fake.registered(NHS)
    await fake.write(care_plan(NHS))
    await run(fake, mdt(MDT_ACTION_ASSIGNED, action))
    assert (await activity(fake)).as_json()["status"] == "requested"
    return fake


async def test_acknowledged_makes_the_activity_accepted_with_provenance() -> None:
    fake = await planned()
    event = mdt(MDT_ACTION_ACKNOWLEDGED, "Task/act-1")
    await run(fake, event)
    task = await activity(fake)
    assert task.as_json()["status"] == "accepted"
    assert task.as_json()["lastModified"] == event.time.isoformat()
    assert task.version_id == 2
    assert await provenance_of(fake, task) == 2  # its creation, and this move


async def test_completed_makes_the_activity_completed() -> None:
    fake = await planned()
    await run(fake, mdt(MDT_ACTION_COMPLETED, "Task/act-1"))
    task = await activity(fake)
    assert task.as_json()["status"] == "completed"
    assert await provenance_of(fake, task) == 2


async def test_a_late_acknowledgement_leaves_a_completed_activity_completed() -> None:
    fake = await planned()
    await run(fake, mdt(MDT_ACTION_COMPLETED, "Task/act-1"))
    await run(fake, mdt(MDT_ACTION_ACKNOWLEDGED, "Task/act-1"))
    task = await activity(fake)
    assert (task.as_json()["status"], task.version_id) == ("completed", 2)
    assert await provenance_of(fake, task) == 2


async def test_a_run_that_assigns_acknowledges_and_completes_ends_completed() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS)
    await fake.write(care_plan(NHS))
    action = "Task/act-9"
    await run(
        fake,
        mdt(MDT_ACTION_ASSIGNED, action),
        mdt(MDT_ACTION_COMPLETED, action),
        mdt(MDT_ACTION_ACKNOWLEDGED, action),  # late, in the same run
    )
    task = await activity(fake)
    assert (task.as_json()["status"], task.version_id) == ("completed", 2)


async def test_an_unknown_action_or_another_patients_is_ignored_with_a_log_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = await planned()
    logged = CapturingLogger()
    monkeypatch.setattr(activity_progress, "log", logged)
    unknown = mdt(MDT_ACTION_COMPLETED, "Task/never-assigned")
    await run(fake, unknown, mdt(MDT_ACTION_COMPLETED, "Task/act-1", nhs=OTHER))
    task = await activity(fake)
    assert (task.as_json()["status"], task.version_id) == ("requested", 1)
    [first, _] = logged.calls
    assert first.args == ("care_plans.activity_progress_unknown",)
    assert first.kwargs["event_ids"] == [unknown.id]
    assert NHS not in str(first.kwargs)  # ids only, no patient data


async def test_a_redelivery_or_a_resend_changes_nothing() -> None:
    fake = await planned()
    event = mdt(MDT_ACTION_ACKNOWLEDGED, "Task/act-1")
    await run(fake, event)
    await run(fake, event)  # the same event again
    await run(fake, mdt(MDT_ACTION_ACKNOWLEDGED, "Task/act-1"))  # re-sent under a new id
    task = await activity(fake)
    assert (task.as_json()["status"], task.version_id) == ("accepted", 2)
    assert await provenance_of(fake, task) == 2


Send = Callable[[str, Event], Awaitable[None]]


async def test_through_kafka_an_action_is_accepted_then_completed_and_stays_so(
    care_plans: CarePlans,
    producer: Send,  # noqa: F811
) -> None:
    topic = care_plans.settings.mdt_topic
    _, nhs = await care_plans.registered()
    await care_plans.post(care_plan(nhs), role="system")
    action, sentinel = f"Task/{uuid.uuid4()}", f"Task/{uuid.uuid4()}"
    system = care_plans.auth("system")

    async def activity_of(act: str) -> dict[str, Any] | None:
        query = f"identifier={EVENT_ID_SYSTEM}|mdt:{act}"
        found = entries(await care_plans.client.get(f"/fhir/Task?{query}", headers=system))
        return found[0] if found else None

    async def at(act: str, status: str) -> dict[str, Any] | None:
        task = await activity_of(act)
        return task if task is not None and task["status"] == status else None

    await producer(topic, mdt(MDT_ACTION_ASSIGNED, action, nhs))
    acknowledged = mdt(MDT_ACTION_ACKNOWLEDGED, action, nhs)
    await producer(topic, acknowledged)
    await eventually(lambda: at(action, "accepted"))
    await producer(topic, mdt(MDT_ACTION_COMPLETED, action, nhs))
    done = await eventually(lambda: at(action, "completed"))
    assert done is not None
    unknown = mdt(MDT_ACTION_COMPLETED, f"Task/{uuid.uuid4()}", nhs)
    for late in (acknowledged, mdt(MDT_ACTION_ACKNOWLEDGED, action, nhs), unknown):
        await producer(topic, late)
    # The same patient's next event (same key, so same partition) is applied after them.
    await producer(topic, mdt(MDT_ACTION_ASSIGNED, sentinel, nhs))
    await eventually(lambda: at(sentinel, "requested"))
    assert await activity_of(action) == done  # same status, same version
    applied = "select count(*) from inbox where event_id = :id"
    assert await care_plans.scalar(applied, id=unknown.id) == 1  # applied, not dead-lettered
    history = await care_plans.client.get(
        f"/fhir/Provenance?target=Task/{done['id']}", headers=system
    )
    assert len(entries(history)) == int(done["meta"]["versionId"])
