"""`carecoord.coordinator.assigned.v1`: the patient's co-ordinator, for the paramedic summary."""

from __future__ import annotations

from referrals.events.coordinator_assigned import CONSUMER
from referrals.store.projections import CarePlanProjections
from services.referrals.tests.care_plans_events import coordinator_assigned
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import SYSTEM

NHS = "9990000018"


async def test_a_reassignment_replaces_the_coordinator_of_that_kind() -> None:
    world = Memory()
    for display in ("Sam Carter", "Alex Lee"):
        event = coordinator_assigned(NHS, display)
        await CONSUMER.handler(world.unit(SYSTEM, authorised=True), event, world.context)

    (kept,) = await world.repository(CarePlanProjections).coordinators_of(NHS)
    assert (kept.coordinator["display"], kept.period_start, kept.ended) == (
        "Alex Lee",
        "2026-01-01",
        False,
    )
