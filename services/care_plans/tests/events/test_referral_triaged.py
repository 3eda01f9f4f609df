"""`referral.triaged`: advice given or a referral accepted becomes one activity linked to
the active comprehensive plan, however often the fact is delivered; other outcomes and
patients without a plan add no link."""

from __future__ import annotations

from care_plans.domain.event_types import ACTIVITY_ADDED, PLAN_REVISED, REFERRAL_TRIAGED
from care_plans.events.referral_triaged import CONSUMER
from carecoord_shared.events import Event
from services.care_plans.tests.builders import care_plan
from services.care_plans.tests.units import fake_care_plans, foreign_event

NHS = "9990000018"


def triaged(request: str, outcome: str) -> Event:
    return foreign_event(
        REFERRAL_TRIAGED,
        request,
        NHS,
        serviceRequest=request,
        ubrn="a.000012345678",
        outcome=outcome,
    )


async def test_advice_given_twice_adds_one_linked_activity() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS)
    plan = await fake.write(care_plan(NHS))
    for _ in range(2):  # the same fact re-sent under a new event id
        await CONSUMER.handler(
            fake.tx, triaged("ServiceRequest/sr-1", "advice-given"), fake.context
        )
    await CONSUMER.handler(fake.tx, triaged("ServiceRequest/sr-2", "rejected"), fake.context)
    await fake.tx.finish()  # the run of events commits
    [task] = [t.as_json() for t in (await fake.tx.search("Task", [])).matches]
    assert (task["status"], task["focus"]) == ("completed", {"reference": f"CarePlan/{plan['id']}"})
    current = await fake.tx.read("CarePlan", plan["id"])
    assert current.as_json()["activity"] == [{"reference": {"reference": f"Task/{task['id']}"}}]
    [added] = fake.events(ACTIVITY_ADDED)
    assert added["source"] == REFERRAL_TRIAGED
    assert len(fake.events(PLAN_REVISED)) == 2  # created, then the activity linked


async def test_a_run_of_advice_for_one_patient_revises_the_plan_once() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS)
    plan = await fake.write(care_plan(NHS))
    for request in ("ServiceRequest/sr-4", "ServiceRequest/sr-5", "ServiceRequest/sr-6"):
        await CONSUMER.handler(fake.tx, triaged(request, "advice-given"), fake.context)
    assert fake.events(ACTIVITY_ADDED) == []  # linked when the run commits, not before
    await fake.tx.finish()
    tasks = {t.id: t.as_json() for t in (await fake.tx.search("Task", [])).matches}
    current = (await fake.tx.read("CarePlan", plan["id"])).as_json()
    linked = [a["reference"]["reference"] for a in current["activity"]]
    assert sorted(linked) == sorted(f"Task/{i}" for i in tasks)
    added = fake.events(ACTIVITY_ADDED)
    assert [a["activity"] for a in added] == linked  # in the order the events came
    assert len(fake.events(PLAN_REVISED)) == 2  # created, then one revision for the run


async def test_without_a_plan_the_activity_stands_alone() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS)
    await CONSUMER.handler(fake.tx, triaged("ServiceRequest/sr-3", "accepted"), fake.context)
    assert (await fake.tx.search("Task", [])).matches == []  # made when the run commits
    await fake.tx.finish()
    [task] = [t.as_json() for t in (await fake.tx.search("Task", [])).matches]
    assert task["status"] == "requested"
    assert "focus" not in task
    assert fake.events(ACTIVITY_ADDED) == []
