"""`carecoord.coordinator.ended.v1`: an ended co-ordinator is no longer shown."""

from __future__ import annotations

from carecoord_shared.events import new_event
from referrals.events import coordinator_assigned, coordinator_ended
from referrals.store.projections import CarePlanProjections
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import SYSTEM

NHS = "9990000018"


async def test_an_ended_coordinator_leaves_the_summary() -> None:
    world = Memory()
    data = {"nhsNumber": NHS, "careTeam": "CareTeam/ct1", "kind": "named-care-coordinator"}
    for consumer, extra in (
        (coordinator_assigned.CONSUMER, {"coordinator": {"display": "Sam"}, "cover": False}),
        (coordinator_ended.CONSUMER, {}),
    ):
        event = new_event(consumer.event_type, source="urn:x", subject="x", data={**data, **extra})
        await consumer.handler(world.unit(SYSTEM, authorised=True), event, world.context)

    assert await world.repository(CarePlanProjections).coordinators_of(NHS) == []
