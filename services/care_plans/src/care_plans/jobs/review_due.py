"""Announce `careplan.review-due` for plans whose review date has passed.

Once per due date per plan (a review re-arms it), so it may run as often as it
likes, from several workers at once (plans are claimed with SKIP LOCKED).
"""

from __future__ import annotations

from care_plans.jobs import housekeeping_interval
from care_plans.service.context import CarePlansContext
from care_plans.service.reviews import announce_due_reviews
from carecoord_shared.service import Job, JobCall


async def run(call: JobCall) -> int:
    context: CarePlansContext = call.context
    async with call.fhir.operation(call.principal) as tx:
        return await announce_due_reviews(tx, context.today())


JOB = Job("review-due", housekeeping_interval, run)
