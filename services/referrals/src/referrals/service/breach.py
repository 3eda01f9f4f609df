"""The response clock's alarms: breach imminent, then breached, each exactly once.

A periodic scan in the worker. Cases still awaiting triage are picked with
`FOR UPDATE SKIP LOCKED`, so two workers never raise the same alarm, and the flag
is set in the same transaction as the event (and, for imminent, the escalation Task
for the service), so a crash never loses or repeats one. Paused cases are not
scanned: their clock is not running.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import Scope
from referrals.domain import vocabulary as v
from referrals.service import announce
from referrals.service.context import Referrals
from referrals.service.shapes import concept, instant
from referrals.store import cases

WORKER = Principal(
    subject="referrals-worker",
    kind="system",
    role="system",
    organisation=None,
    nhs_number=None,
    scopes=frozenset({Scope("system", "*", frozenset({"c", "r", "u", "s"}))}),
)


async def scan(engine: AsyncEngine, registry: FhirRegistry, ctx: Referrals) -> int:
    """Raise every alarm now due; returns how many were raised."""
    now = ctx.now()
    raised = 0
    async with engine.begin() as conn:
        tx = FhirTransaction(conn, registry, WORKER)
        horizon = now + timedelta(days=7 * (ctx.imminent_working_days + 1))
        for case in await cases.cases_due(conn, column="imminent_raised_at", before=horizon):
            if ctx.calendar.before(case.due_at, ctx.imminent_working_days) <= now:
                await _imminent(tx, ctx, case)
                raised += 1
        for case in await cases.cases_due(conn, column="breached_at", before=now):
            await cases.mark(conn, case.task, breached_at=now)
            await _announce(tx, ctx, case, announce.BREACHED)
            raised += 1
    return raised


async def _imminent(tx: FhirTransaction, ctx: Referrals, case: cases.TriageCase) -> None:
    escalation = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": "urgent",
        "code": concept(v.TASK_CODE, "escalation"),
        "description": "The response to this request is due soon",
        "focus": {"reference": case.service_request},
        "partOf": [{"reference": case.task}],
        "for": {
            "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": case.nhs_number}
        },
        "owner": {"reference": case.service},
        "restriction": {"period": {"end": instant(case.due_at)}},
    }
    await tx.create("Task", escalation)
    await cases.mark(tx.conn, case.task, imminent_raised_at=ctx.now())
    await _announce(tx, ctx, case, announce.BREACH_IMMINENT)


async def _announce(tx: FhirTransaction, ctx: Referrals, case: cases.TriageCase, kind: str) -> None:
    await announce.announce(
        tx.conn,
        ctx.topic,
        kind,
        case.service_request,
        case.nhs_number,
        {
            "serviceRequest": case.service_request,
            "task": case.task,
            "service": case.service,
            "dueBy": instant(case.due_at),
        },
    )
