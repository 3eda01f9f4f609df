"""Escalate overdue actions: the issue's "overdue actions escalate".

Every `MDT_OVERDUE_CHECK_SECONDS` the worker marks each action past its due date that
is neither acknowledged (when it must be) nor done as `overdue` and announces
`action-overdue`, once per action; rows another worker holds are skipped.
"""

from __future__ import annotations

from carecoord_shared.logging import get_logger
from carecoord_shared.service import Job, JobCall
from mdt.service.context import MdtContext
from mdt.service.outcomes import escalate_overdue

log = get_logger(__name__)


async def run(call: JobCall) -> int:
    context: MdtContext = call.context
    async with call.fhir.operation(call.principal) as tx:
        escalated = await escalate_overdue(tx, context.now())
    if escalated:
        log.info("mdt.actions_escalated", count=escalated)
    return escalated


JOB = Job("escalate-overdue", lambda s: s.overdue_check_seconds, run)
