"""`mdt.outcome-recorded`: a discussion that reviewed the plan sets its last review (and
so re-arms the review clock); any other outcome changes nothing."""

from __future__ import annotations

from care_plans.domain.event_types import MDT_OUTCOME_RECORDED, PLAN_REVISED
from care_plans.events.mdt_outcome_recorded import CONSUMER
from care_plans.fhir.vocabulary import EXT_LAST_REVIEWED
from carecoord_shared.events import Event
from services.care_plans.tests.builders import care_plan
from services.care_plans.tests.units import NOW, fake_care_plans, foreign_event

NHS = "9990000018"


def outcome(status: str, reviewed: bool) -> Event:
    return foreign_event(
        MDT_OUTCOME_RECORDED, "Task/case-1", NHS, status=status, planReviewed=reviewed
    )


async def test_a_reviewing_discussion_is_the_plans_review() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS)
    plan = await fake.write(care_plan(NHS, reviewed="2025-01-01"))
    event = outcome("discussed", True)
    await CONSUMER.handler(fake.tx, event, fake.context)
    current = (await fake.tx.read("CarePlan", plan["id"])).as_json()
    [review] = [e for e in current["extension"] if e["url"] == EXT_LAST_REVIEWED]
    assert review["valueDateTime"] == event.time.isoformat()
    assert fake.plans.plans[plan["id"]].facts.last_reviewed == event.time.date()
    assert fake.events(PLAN_REVISED)[-1]["nextReviewDue"] > NOW.date().isoformat()


async def test_deferred_or_unreviewed_outcomes_change_nothing() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS)
    plan = await fake.write(care_plan(NHS, reviewed="2025-01-01"))
    for event in (outcome("deferred", True), outcome("discussed", False)):
        await CONSUMER.handler(fake.tx, event, fake.context)
    assert (await fake.tx.read("CarePlan", plan["id"])).version_id == 1
