"""The front door's chasers (hazards O2, O4 and O5): overdue red-flag callbacks, then
unanswered requests, then patients' messages unread, escalated step by step
(`service.front_door_chasers`)."""

from __future__ import annotations

from carecoord_shared.service import Job, JobCall
from portal.service.front_door_chasers import CALLBACK, MESSAGE, REPLY, chase

__all__ = ["JOB"]


async def _run(call: JobCall) -> int:
    made = 0
    for clock in (CALLBACK, REPLY, MESSAGE):
        made += await chase(call.fhir, call.principal, call.context, clock)
    return made


JOB = Job("front-door-chasers", lambda settings: float(settings.front_door_chase_interval_s), _run)
