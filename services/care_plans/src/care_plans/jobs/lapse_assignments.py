"""Cover (and any bounded assignment) ends by itself when its period runs out.

The access grant already ends with the period; this job records the end, announces
`coordinator.ended` ("cover period ended") and rebuilds the CareTeam. Idempotent,
and safe from several workers (assignments are claimed with SKIP LOCKED).
"""

from __future__ import annotations

from care_plans.jobs import housekeeping_interval
from care_plans.service.context import CarePlansContext
from care_plans.service.coordinators import lapse_ended_periods
from carecoord_shared.service import Job, JobCall


async def run(call: JobCall) -> int:
    context: CarePlansContext = call.context
    async with call.fhir.operation(call.principal) as tx:
        return await lapse_ended_periods(tx, context.now())


JOB = Job("lapse-assignments", housekeeping_interval, run)
