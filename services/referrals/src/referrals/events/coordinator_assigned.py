"""`carecoord.coordinator.assigned.v1`: keep the patient's named co-ordinator.

The paramedic summary names the co-ordinator to ring; it reads this projection, so
it answers while care_plans is down. A reassignment replaces the co-ordinator of the
same kind in the same care team.
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from referrals.domain.records import Coordinator
from referrals.events import from_care_plans
from referrals.store.projections import CarePlanProjections

EVENT_TYPE = "carecoord.coordinator.assigned.v1"


async def handle(tx: FhirTransaction, event: Event, _context: object) -> None:
    data = event.data
    period = data.get("period") or {}
    assigned = Coordinator(
        nhs_number=str(data["nhsNumber"]),
        care_team=str(data.get("careTeam") or ""),
        kind=str(data.get("kind") or "named-care-coordinator"),
        coordinator=data.get("coordinator") or {},
        cover=bool(data.get("cover")),
        period_start=period.get("start"),
        period_end=period.get("end"),
        updated_at=event.time,
    )
    await tx.repository(CarePlanProjections).assign_coordinator(assigned)


CONSUMER = from_care_plans(EVENT_TYPE, handle)
