"""`carecoord.careplan.revised.v1`: the newest version of each plan is kept."""

from __future__ import annotations

from referrals.events.careplan_revised import CONSUMER
from referrals.store.projections import CarePlanProjections
from services.referrals.tests.care_plans_events import care_plan_revised
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import SYSTEM

NHS = "9990000018"


async def test_an_older_version_arriving_late_does_not_overwrite_a_newer_one() -> None:
    world = Memory()
    for version, title in ((3, "Newer"), (2, "Older")):
        event = care_plan_revised(NHS, version, title)
        await CONSUMER.handler(world.unit(SYSTEM, authorised=True), event, world.context)

    (plan,) = await world.repository(CarePlanProjections).care_plans_of(NHS)
    assert (plan.title, plan.version_id, plan.end_of_life["preferredPlaceOfDeath"]) == (
        "Newer",
        3,
        "Home",
    )
