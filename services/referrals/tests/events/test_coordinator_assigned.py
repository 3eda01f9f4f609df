"""`carecoord.coordinator.assigned.v1`: the patient's co-ordinator, for the paramedic summary."""

from __future__ import annotations

from carecoord_shared.events import new_event
from referrals.events.coordinator_assigned import CONSUMER
from referrals.store.projections import CarePlanProjections
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import SYSTEM

NHS = "9990000018"


def assigned(display: str, cover: bool = False) -> dict[str, object]:
    return {
        "nhsNumber": NHS,
        "careTeam": "CareTeam/ct1",
        "coordinator": {"display": display, "phone": "01632 960500"},
        "kind": "named-care-coordinator",
        "cover": cover,
        "period": {"start": "2026-01-01"},
    }


async def test_a_reassignment_replaces_the_coordinator_of_that_kind() -> None:
    world = Memory()
    for display in ("Sam Carter", "Alex Lee"):
        event = new_event(
            CONSUMER.event_type, source="urn:x", subject="CareTeam/ct1", data=assigned(display)
        )
        await CONSUMER.handler(world.unit(SYSTEM, authorised=True), event, world.context)

    (kept,) = await world.repository(CarePlanProjections).coordinators_of(NHS)
    assert (kept.coordinator["display"], kept.period_start, kept.ended) == (
        "Alex Lee",
        "2026-01-01",
        False,
    )
