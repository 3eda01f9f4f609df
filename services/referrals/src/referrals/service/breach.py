"""The response clock's alarms: breach imminent, then breached, each exactly once.

Run periodically by the worker. Cases still awaiting triage are picked with
`FOR UPDATE SKIP LOCKED`, so two workers never raise the same alarm, and the flag
is set in the same unit of work as the event (and, for imminent, the escalation
Task for the service), so a crash never loses or repeats one. Paused cases are not
scanned: their clock is not running.
"""

from __future__ import annotations

from datetime import timedelta

from carecoord_shared.fhir.unit_of_work import FhirTransaction
from referrals.fhir.tasks import escalation_task
from referrals.service import announce
from referrals.service.context import Referrals
from referrals.store.cases import TriageCases


async def scan(tx: FhirTransaction, ctx: Referrals) -> int:
    """Raise every alarm now due; returns how many were raised."""
    now = ctx.now()
    cases = tx.repository(TriageCases)
    raised = 0
    horizon = now + timedelta(days=7 * (ctx.imminent_working_days + 1))
    for case in await cases.due(alarm="imminent_raised_at", before=horizon):
        if ctx.calendar.before(case.due_at, ctx.imminent_working_days) <= now:
            await tx.create("Task", escalation_task(case))
            await cases.mark(case.task, imminent_raised_at=now)
            await announce.about_case(tx, announce.BREACH_IMMINENT, case)
            raised += 1
    for case in await cases.due(alarm="breached_at", before=now):
        await cases.mark(case.task, breached_at=now)
        await announce.about_case(tx, announce.BREACHED, case)
        raised += 1
    return raised
