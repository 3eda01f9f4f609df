"""The front door's chasers (hazards O2 and O4): overdue red-flag callbacks, then
unanswered requests, escalated step by step (`service.front_door_chasers`)."""

from __future__ import annotations

from carecoord_shared.service import Job, JobCall
from portal.service.front_door_chasers import CALLBACK, REPLY, chase

__all__ = ["JOB"]


async def _run(call: JobCall) -> int:
    callbacks = await chase(call.fhir, call.principal, call.context, CALLBACK)
    return callbacks + await chase(call.fhir, call.principal, call.context, REPLY)


JOB = Job("front-door-chasers", lambda settings: float(settings.front_door_chase_interval_s), _run)
