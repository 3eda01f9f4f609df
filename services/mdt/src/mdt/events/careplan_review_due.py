"""`carecoord.careplan.review-due.v1`: a care plan's review is due.

The review date is kept (checklist), and the `care-plan-review-overdue` rule lists
the patient with their MDT.
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from mdt.domain import rules
from mdt.service.auto_listing import list_by_rule
from mdt.service.context import MdtContext
from mdt.service.inbound import day, patient_of
from mdt.store.patients import Patients


async def handle(tx: FhirTransaction, event: Event, context: MdtContext) -> None:
    nhs = patient_of(event)
    await tx.repository(Patients).update(nhs, review_due_on=day(event.data.get("dueOn")))
    await list_by_rule(tx, context, event, nhs, rules.review_overdue(event.data))


CONSUMER = Consumer(
    "carecoord.careplan.review-due.v1", lambda s: s.care_plans_topic, handle, "care-plans"
)
