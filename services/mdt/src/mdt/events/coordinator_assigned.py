"""`carecoord.coordinator.assigned.v1`: the patient's named co-ordinator.

The co-ordinator is in the patient's care team: they get the `care-team` grant to the
end of the assignment's period, and so see the patient's MDT cases and actions.
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from mdt.domain.vocabulary import CARE_TEAM
from mdt.service.context import MdtContext
from mdt.service.inbound import coordinator_of, instant, patient_of


async def handle(tx: FhirTransaction, event: Event, _context: MdtContext) -> None:
    nhs, user = patient_of(event), coordinator_of(event)
    if user:
        period = event.data.get("period")
        ends = instant(period.get("end") if isinstance(period, dict) else None)
        await tx.grants.grant(nhs, "user", user, CARE_TEAM, valid_to=ends)


CONSUMER = Consumer(
    "carecoord.coordinator.assigned.v1", lambda s: s.care_plans_topic, handle, "care-plans"
)
