"""`carecoord.coordinator.ended.v1`: the co-ordinator is no longer the one to ring."""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from referrals.events import from_care_plans
from referrals.store.projections import CarePlanProjections

EVENT_TYPE = "carecoord.coordinator.ended.v1"


async def handle(tx: FhirTransaction, event: Event, _context: object) -> None:
    data = event.data
    await tx.repository(CarePlanProjections).end_coordinator(
        str(data["nhsNumber"]),
        str(data.get("careTeam") or ""),
        str(data.get("kind") or "named-care-coordinator"),
        event.time,
    )


CONSUMER = from_care_plans(EVENT_TYPE, handle)
