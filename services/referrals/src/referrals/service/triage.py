"""`$triage`: apply one triage outcome to a request, all or nothing.

The request row is locked first, so two clinicians triaging at once are serialised:
the first wins, the second then sees the new state and gets 409 (or 412 when it
sent If-Match with the version it read). The state machine (`domain.triage`)
decides; this handler applies the decision to the Task, the case clock, the
transition log, the request and the outbox, in the caller's one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from carecoord_shared.fhir.outcome import FhirError, Issue, business_rule, precondition_failed
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource
from referrals.domain import vocabulary as v
from referrals.domain.triage import Actor, Decision, IllegalTransition, Outcome, TriageState, decide
from referrals.service import announce, outcomes, shapes
from referrals.service.context import Referrals
from referrals.service.routing import provider_of
from referrals.store import cases


@dataclass(frozen=True, slots=True)
class TriageRequest:
    request_id: str
    outcome: Outcome
    note: str | None
    reason: str | None
    redirect_to: str | None
    if_match: int | None


@dataclass(frozen=True, slots=True)
class TriageResult:
    request: StoredResource
    state: TriageState
    task: str
    referral: str | None = None


def actor_of(tx: FhirTransaction, case: cases.TriageCase, provider: str | None) -> Actor:
    organisation = tx.principal.organisation
    if organisation is not None and organisation == case.requester_ods:
        return "referrer"
    if organisation is not None and organisation == provider:
        return "provider"
    raise FhirError(403, [Issue("forbidden", "Only the referrer or the service can triage this")])


async def triage(tx: FhirTransaction, ctx: Referrals, command: TriageRequest) -> TriageResult:
    request = await tx.read("ServiceRequest", command.request_id, lock=True)
    if command.if_match is not None and command.if_match != request.version_id:
        raise precondition_failed(
            f"Version {command.if_match} is stale: the request is at version "
            f"{request.version_id}. Read it again and decide again."
        )
    case = await cases.case_for_request(tx.conn, request.reference, lock=True)
    if case is None:
        raise business_rule("This request has no triage at this service")
    service = await tx.read(*case.service.split("/", 1))
    body = request.as_json()
    try:
        decision = decide(
            case.state,
            command.outcome,
            actor_of(tx, case, provider_of(service)),
            is_advice_request=shapes.category_of(body) == v.ADVICE_AND_GUIDANCE,
            conversion_authorised=shapes.conversion_authorised(body),
        )
    except IllegalTransition as illegal:
        code = (
            "business-rule"
            if illegal.status == 422
            else ("forbidden" if illegal.status == 403 else "conflict")
        )
        raise FhirError(illegal.status, [Issue(code, illegal.why)]) from None
    return await _apply(tx, ctx, command, request, case, decision)


async def _apply(
    tx: FhirTransaction,
    ctx: Referrals,
    command: TriageRequest,
    request: StoredResource,
    case: cases.TriageCase,
    decision: Decision,
) -> TriageResult:
    now = ctx.now()
    step = outcomes.Step(tx, ctx, command.note, command.reason, request, case, decision, now)
    follow_up = await outcomes.apply(step, command.redirect_to)
    await outcomes.move_task(step)
    await cases.record_transition(
        tx.conn,
        cases.Transition(
            service_request=request.reference,
            task=case.task,
            outcome=decision.outcome.value,
            from_state=decision.before.value,
            to_state=decision.after.value,
            actor=tx.principal.subject,
            actor_role=tx.principal.role,
            actor_organisation=tx.principal.organisation,
            reason=command.reason,
            at=now,
        ),
    )
    current = follow_up.request or request
    if follow_up.request is None:
        current, _ = await tx.update(
            "ServiceRequest",
            request.id,
            shapes.with_triage_state(request.as_json(), follow_up.state),
            if_match=request.version_id,
        )
    await announce.announce(
        tx.conn,
        ctx.topic,
        announce.TRIAGED,
        request.reference,
        case.nhs_number,
        {
            "serviceRequest": request.reference,
            "ubrn": case.ubrn,
            "outcome": decision.outcome.value,
            "service": case.service,
            "requester": (request.as_json().get("requester") or {}).get("reference")
            or case.requester_ods,
            "reason": command.reason,
            "mdtDiscussionRequested": False,
        },
    )
    return TriageResult(current, follow_up.state, follow_up.task or case.task, follow_up.referral)


async def history(tx: FhirTransaction, request_id: str) -> dict[str, object]:
    """The request's transitions as Parameters (read access to the request required)."""
    request = await tx.read("ServiceRequest", request_id)
    parameter = []
    for step in await cases.transitions_of(tx.conn, request.reference):
        parts = [
            {"name": "outcome", "valueCode": step.outcome},
            {"name": "from", "valueCode": step.from_state},
            {"name": "to", "valueCode": step.to_state},
            {"name": "who", "valueString": step.actor},
            {"name": "role", "valueCode": step.actor_role},
            {"name": "when", "valueDateTime": shapes.instant(step.at)},
            {"name": "task", "valueReference": {"reference": step.task}},
        ]
        if step.actor_organisation:
            parts.append({"name": "organisation", "valueString": step.actor_organisation})
        if step.reason:
            parts.append({"name": "reason", "valueCode": step.reason})
        parameter.append({"name": "transition", "part": parts})
    return {"resourceType": "Parameters", "parameter": parameter}
