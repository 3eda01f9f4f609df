"""`carecoord.coordinator.ended.v1`: the co-ordinator's assignment ended.

Their `care-team` grant ends with it.
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from mdt.domain.vocabulary import CARE_TEAM
from mdt.service.context import MdtContext
from mdt.service.inbound import coordinator_of, patient_of


async def handle(tx: FhirTransaction, event: Event, _context: MdtContext) -> None:
    nhs, user = patient_of(event), coordinator_of(event)
    if user:
        await tx.grants.end(nhs, "user", user, CARE_TEAM)


CONSUMER = Consumer(
    "carecoord.coordinator.ended.v1", lambda s: s.care_plans_topic, handle, "care-plans"
)
