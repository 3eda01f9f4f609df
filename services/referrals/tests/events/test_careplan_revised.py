"""`carecoord.careplan.revised.v1`: the newest version of each plan is kept."""

from __future__ import annotations

from carecoord_shared.events import new_event
from referrals.events.careplan_revised import CONSUMER
from referrals.store.projections import CarePlanProjections
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import SYSTEM

NHS = "9990000018"


async def test_an_older_version_arriving_late_does_not_overwrite_a_newer_one() -> None:
    world = Memory()
    for version, title in ((3, "Newer"), (2, "Older")):
        data = {
            "nhsNumber": NHS,
            "carePlan": "CarePlan/cp1",
            "versionId": version,
            "status": "active",
            "title": title,
            "endOfLife": {"preferredPlaceOfDeath": "Home"},
        }
        event = new_event(CONSUMER.event_type, source="urn:x", subject="CarePlan/cp1", data=data)
        await CONSUMER.handler(world.unit(SYSTEM, authorised=True), event, world.context)

    (plan,) = await world.repository(CarePlanProjections).care_plans_of(NHS)
    assert (plan.title, plan.version_id, plan.end_of_life) == (
        "Newer",
        3,
        {"preferredPlaceOfDeath": "Home"},
    )
