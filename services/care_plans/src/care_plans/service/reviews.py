"""The review clock: announcing plans whose review has fallen due.

Run periodically by the worker (`jobs.review_due`). Each due plan is announced once
per due date, so the job can run as often as it likes and several workers can run
it at once (plans are claimed with SKIP LOCKED).
"""

from __future__ import annotations

from datetime import date

from care_plans.domain.event_types import REVIEW_DUE
from care_plans.store.plans import PlanIndexRepository
from carecoord_shared.fhir.unit_of_work import FhirTransaction


async def announce_due_reviews(tx: FhirTransaction, today: date) -> int:
    index = tx.repository(PlanIndexRepository)
    due = await index.due_unannounced(today)
    for review in due:
        plan = f"CarePlan/{review.care_plan_id}"
        await tx.outbox.announce(
            REVIEW_DUE,
            subject=plan,
            nhs_number=review.patient_nhs,
            data={"carePlan": plan, "dueOn": review.due_on.isoformat()},
        )
        await index.mark_announced(review.care_plan_id, review.due_on)
    return len(due)
