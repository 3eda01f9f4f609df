"""`mdt.action-assigned`: the action becomes an activity on the plan with its owner and
due date, and who contributed it is recorded."""

from __future__ import annotations

from care_plans.domain.event_types import ACTIVITY_ADDED, MDT_ACTION_ASSIGNED
from care_plans.events.mdt_action_assigned import CONSUMER
from services.care_plans.tests.builders import care_plan
from services.care_plans.tests.units import fake_care_plans, foreign_event

NHS = "9990000018"


async def test_an_action_becomes_an_owned_activity_with_provenance() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS)
    plan = await fake.write(care_plan(NHS))
    event = foreign_event(
        MDT_ACTION_ASSIGNED,
        "Task/act-1",
        NHS,
        action="Task/act-1",
        owner={"reference": "PractitionerRole/dn", "display": "District nurse"},
        dueOn="2026-12-01",
        description="Review inhaler technique",
    )
    await CONSUMER.handler(fake.tx, event, fake.context)
    await fake.tx.finish()  # the run of events commits
    [task] = [t.as_json() for t in (await fake.tx.search("Task", [])).matches]
    assert task["description"] == "Review inhaler technique"
    assert task["owner"] == {"display": "District nurse"}
    assert task["restriction"]["period"]["end"] == "2026-12-01"
    assert fake.events(ACTIVITY_ADDED)[0]["carePlan"] == f"CarePlan/{plan['id']}"
    found = await fake.tx.search("Provenance", [("target", f"Task/{task['id']}")])
    assert len(found.matches) == 1


async def test_an_action_without_its_fields_changes_nothing() -> None:
    fake = fake_care_plans()
    event = foreign_event(MDT_ACTION_ASSIGNED, "Task/act-2", NHS)
    await CONSUMER.handler(fake.tx, event, fake.context)
    assert (await fake.tx.search("Task", [])).matches == []
