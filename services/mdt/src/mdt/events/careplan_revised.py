"""`carecoord.careplan.revised.v1`: when the patient's care plan is next reviewed.

The preparation checklist counts a plan as current when its next review is not due
before the meeting.
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from mdt.service.context import MdtContext
from mdt.service.inbound import day, patient_of
from mdt.store.patients import Patients


async def handle(tx: FhirTransaction, event: Event, _context: MdtContext) -> None:
    review = day(event.data.get("nextReviewDue"))
    await tx.repository(Patients).update(patient_of(event), review_due_on=review)


CONSUMER = Consumer(
    "carecoord.careplan.revised.v1", lambda s: s.care_plans_topic, handle, "care-plans"
)
