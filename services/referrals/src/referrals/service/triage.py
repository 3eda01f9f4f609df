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
from carecoord_shared.fhir.unit_of_work import FhirReads, FhirTransaction
from carecoord_shared.store.repository import StoredResource
from referrals.domain import vocabulary as v
from referrals.domain.records import Transition, TriageCase
from referrals.domain.triage import Actor, Decision, IllegalTransition, Outcome, TriageState, decide
from referrals.fhir import shapes
from referrals.service import announce, outcomes, requests, transitions
from referrals.service.context import Referrals
from referrals.service.routing import provider_of
from referrals.store.cases import TriageCases


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


def actor_of(tx: FhirTransaction, case: TriageCase, provider: str | None) -> Actor:
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
    case = await tx.repository(TriageCases).for_request(request.reference, lock=True)
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
    case: TriageCase,
    decision: Decision,
) -> TriageResult:
    now = ctx.now()
    step = outcomes.Step(tx, ctx, command.note, command.reason, request, case, decision, now)
    follow_up = await outcomes.apply(step, command.redirect_to)
    await outcomes.move_task(step)
    await transitions.record(
        tx, case, decision.outcome.value, decision.after, now, reason=command.reason
    )
    current = follow_up.request or request
    if follow_up.request is None:
        current = await requests.revise(
            tx, request, shapes.with_triage_state(request.as_json(), follow_up.state)
        )
    await tx.outbox.announce(
        announce.TRIAGED,
        subject=request.reference,
        nhs_number=case.nhs_number,
        data={
            "serviceRequest": request.reference,
            "ubrn": case.ubrn,
            "outcome": decision.outcome.value,
            "service": case.service,
            "requester": shapes.requester_of(request.as_json()) or case.requester_ods,
            "reason": command.reason,
            "mdtDiscussionRequested": False,
        },
    )
    return TriageResult(current, follow_up.state, follow_up.task or case.task, follow_up.referral)


async def history(tx: FhirReads, request_id: str) -> list[Transition]:
    """The request's transitions, oldest first (read access to the request required)."""
    request = await tx.read("ServiceRequest", request_id)
    return await tx.repository(TriageCases).transitions(request.reference)
