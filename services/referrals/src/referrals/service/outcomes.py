"""What each triage outcome does beyond moving the state.

Redirection opens a new triage at the new service (the old Task and case stay, ended
as `redirected`, so the history is kept); a request for information gives the
referrer a Task and pauses the clock; conversion makes the referral that replaces
the A&G request, or asks the referrer to authorise it. Called only by the `$triage`
handler, inside its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from carecoord_shared.fhir.operations import parameter_path
from carecoord_shared.fhir.outcome import business_rule
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource
from referrals.domain.records import TriageCase
from referrals.domain.triage import Decision, Outcome, TriageState
from referrals.fhir import shapes, tasks
from referrals.service import announce, requests
from referrals.service.context import Referrals
from referrals.service.conversation import close_referrer_tasks
from referrals.service.routing import named_service, takes
from referrals.service.submission import start_triage
from referrals.store.cases import TriageCases
from referrals.store.ubrns import Ubrns

_REDIRECT_TO = (parameter_path("redirectTo"),)


@dataclass(frozen=True, slots=True)
class Step:
    tx: FhirTransaction
    ctx: Referrals
    note: str | None
    reason: str | None
    request: StoredResource
    case: TriageCase
    decision: Decision
    now: datetime


@dataclass(frozen=True, slots=True)
class FollowUp:
    state: TriageState
    task: str | None = None
    referral: str | None = None
    request: StoredResource | None = None
    """The request as this step already rewrote it (None: the caller records the state)."""


async def apply(step: Step, redirect_to: str | None) -> FollowUp:
    outcome, after = step.decision.outcome, step.decision.after
    if outcome is Outcome.REDIRECTED:
        return await _redirect(step, redirect_to or "")
    if after in (TriageState.CANCELLED, TriageState.CONVERTED):
        # The referrer's open asks end with the request (done when they authorised).
        status = "completed" if after is TriageState.CONVERTED else "cancelled"
        await close_referrer_tasks(step.tx, step.request.reference, status)
    if outcome is Outcome.INFORMATION_REQUESTED:
        await _ask_referrer(step, "information-request")
    elif outcome is Outcome.CONVERTED and step.decision.convert_now:
        return await _convert(step)
    elif outcome is Outcome.CONVERTED:
        await _ask_referrer(step, "conversion-request")
    return FollowUp(after)


async def move_task(step: Step) -> None:
    """The triage Task and the case take the decision's state."""
    tx, case, after = step.tx, step.case, step.decision.after
    task = await tx.read("Task", case.task.split("/", 1)[1], lock=True)
    moved = tasks.moved_task(task.as_json(), after, step.decision.outcome.value, step.note, None)
    await tx.update("Task", task.id, moved, if_match=task.version_id)
    changes: dict[str, object] = {"state": after}
    if after.responded and case.responded_at is None:
        changes["responded_at"] = step.now
    if after is TriageState.AWAITING_INFORMATION:
        changes["paused_at"] = step.now
    await tx.repository(TriageCases).mark(case.task, **changes)


async def _ask_referrer(step: Step, code: str) -> None:
    body = tasks.referrer_task(
        code,
        step.request.reference,
        step.request.as_json(),
        step.case.requester_ods,
        step.case.task,
        step.note,
    )
    await step.tx.create("Task", body)


async def _redirect(step: Step, service_id: str) -> FollowUp:
    tx = step.tx
    service = await named_service(tx, service_id)
    if service.reference == step.case.service:
        raise business_rule("The request is already with that service", _REDIRECT_TO)
    category = shapes.category_of(step.request.as_json()) or ""
    if not takes(service.as_json(), category):
        raise business_rule("That service does not take this kind of request", _REDIRECT_TO)
    body = shapes.with_triage_state(step.request.as_json(), TriageState.AWAITING_TRIAGE)
    body["performer"] = [{"reference": service.reference}]
    request = await requests.revise(tx, step.request, body)
    task = await start_triage(tx, step.ctx, request, service, step.case.requester_ods, step.now)
    return FollowUp(TriageState.AWAITING_TRIAGE, task=task, request=request)


async def _convert(step: Step) -> FollowUp:
    tx, advice = step.tx, step.request
    ubrns = tx.repository(Ubrns)
    referral_ubrn = await ubrns.reserve("r")
    referral, _ = await requests.file(
        tx, shapes.referral_from(advice.as_json(), advice.reference, referral_ubrn)
    )
    await ubrns.bind(referral_ubrn, referral.reference)
    marked = shapes.marked_converted(
        shapes.with_triage_state(advice.as_json(), TriageState.CONVERTED),
        referral.reference,
        referral_ubrn,
    )
    updated = await requests.revise(tx, advice, marked)
    await tx.outbox.announce(
        announce.CONVERTED,
        subject=advice.reference,
        nhs_number=step.case.nhs_number,
        data={
            "serviceRequest": advice.reference,
            "referral": referral.reference,
            "ubrn": step.case.ubrn,
            "referralUbrn": referral_ubrn,
        },
    )
    return FollowUp(TriageState.CONVERTED, referral=referral.reference, request=updated)
