"""`mdt.outcome-recorded`: a case discussed with `planReviewed` counts as a review of the
patient's active comprehensive plan (its last review date becomes the event's time)."""

from __future__ import annotations

from care_plans.domain.event_types import MDT_OUTCOME_RECORDED
from care_plans.events import GROUP, mdt_topic
from care_plans.service.context import CarePlansContext
from care_plans.service.reactions import record_review
from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer


async def handle(tx: FhirTransaction, event: Event, _context: CarePlansContext) -> None:
    data = event.data
    reviewed = data.get("status") == "discussed" and data.get("planReviewed") is True
    if reviewed and isinstance(data.get("nhsNumber"), str):
        await record_review(tx, data["nhsNumber"], event.time.isoformat())


CONSUMER = Consumer(MDT_OUTCOME_RECORDED, mdt_topic, handle, GROUP)
