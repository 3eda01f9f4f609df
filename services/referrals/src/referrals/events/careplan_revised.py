"""`carecoord.careplan.revised.v1`: keep the newest summary of each care plan.

The paramedic summary shows the plan's title, status, next review and end-of-life
preferences from this projection; an older version arriving late never overwrites
a newer one.
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from referrals.domain.records import CarePlanSummary
from referrals.events import from_care_plans
from referrals.store.projections import CarePlanProjections

EVENT_TYPE = "carecoord.careplan.revised.v1"


async def handle(tx: FhirTransaction, event: Event, _context: object) -> None:
    data = event.data
    plan = CarePlanSummary(
        care_plan=str(data["carePlan"]),
        nhs_number=str(data["nhsNumber"]),
        version_id=int(data.get("versionId") or 1),
        status=data.get("status"),
        title=data.get("title"),
        description=data.get("description"),
        next_review_due=data.get("nextReviewDue"),
        end_of_life=data.get("endOfLife"),
        updated_at=event.time,
    )
    await tx.repository(CarePlanProjections).revise_care_plan(plan)


CONSUMER = from_care_plans(EVENT_TYPE, handle)
