"""The A&G conversation: each Communication turn, and the clock it may restart.

The Communication type's `writes` handler. A turn `basedOn` a request must be about
a request the caller can see (an unknown and a hidden request get the same 422, so a
write reveals nothing) and is about that request's patient: a turn naming no patient
takes the request's. After the turn is stored, in the same unit of work, a turn that
is `basedOn` a request under triage is announced
(`message-added`, from the referrer or the provider). When the referrer answers a
request for information, the clock resumes: the due date moves on by the working
days the pause covered, the triage Task is the provider's turn again, and the
referrer's information Task is done.
"""

from __future__ import annotations

from carecoord_shared.fhir.outcome import JsonObject, business_rule
from carecoord_shared.fhir.reading import read_or_none
from carecoord_shared.fhir.registry import Write, WriteHandler
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource
from referrals.domain.records import TriageCase
from referrals.domain.triage import TriageState
from referrals.fhir import shapes, tasks
from referrals.service import announce, requests, transitions
from referrals.service.context import Referrals
from referrals.store.cases import TriageCases

_IN_RESPONSE_TO = ("Communication.inResponseTo",)
_BASED_ON = ("Communication.basedOn",)


def _request_of(communication: JsonObject) -> str | None:
    for based_on in communication.get("basedOn", []) or []:
        reference = str(based_on.get("reference") or "")
        if reference.startswith("ServiceRequest/"):
            return reference
    return None


def writes(ctx: Referrals) -> WriteHandler:
    """The REST writes of Communication: stored as sent; a new turn then does its part."""

    async def handle(tx: FhirTransaction, write: Write) -> tuple[StoredResource | None, bool]:
        if write.body is not None:
            await about_the_request(tx, write.body)
        stored, created = await tx.store_write(write)
        if created and stored is not None:
            await on_new_turn(tx, ctx, stored)
        return stored, created

    return handle


async def about_the_request(tx: FhirTransaction, body: JsonObject) -> None:
    """A turn `basedOn` a request: the request must be one the caller can see, and a turn
    that names no patient is about the request's (its subject, by NHS number)."""
    reference = _request_of(body)
    if reference is None:
        return
    request = await read_or_none(tx, "ServiceRequest", reference.split("/", 1)[1])
    if request is None:
        raise business_rule("basedOn must be a request you can see", _BASED_ON)
    if not body.get("subject"):
        body["subject"] = request.as_json()["subject"]


async def on_new_turn(tx: FhirTransaction, ctx: Referrals, turn: StoredResource) -> None:
    body = turn.as_json()
    request = _request_of(body)
    if request is None:
        return
    case = await tx.repository(TriageCases).for_request(request, lock=True)
    if case is None:
        return
    if turn.patient_nhs != case.nhs_number:
        raise business_rule(
            "The message is not about the request's patient", ("Communication.subject",)
        )
    await _check_turn_order(tx, body, request)
    referrer = tx.principal.organisation == case.requester_ods
    await tx.outbox.announce(
        announce.MESSAGE_ADDED,
        subject=request,
        nhs_number=case.nhs_number,
        data={
            "serviceRequest": request,
            "communication": turn.reference,
            "from": "referrer" if referrer else "provider",
        },
    )
    if referrer and case.state is TriageState.AWAITING_INFORMATION:
        await resume(tx, ctx, case)


async def _earlier_turn(tx: FhirTransaction, reference: str) -> JsonObject | None:
    kind, _, turn_id = reference.partition("/")
    if kind != "Communication" or not turn_id:
        return None
    found = await read_or_none(tx, "Communication", turn_id)
    return None if found is None else found.as_json()


async def _check_turn_order(tx: FhirTransaction, communication: JsonObject, request: str) -> None:
    """`inResponseTo` must be an earlier turn of the same conversation."""
    for previous in communication.get("inResponseTo", []) or []:
        earlier = await _earlier_turn(tx, str(previous.get("reference") or ""))
        if earlier is None or _request_of(earlier) != request:
            raise business_rule(
                "inResponseTo must be an earlier message about the same request", _IN_RESPONSE_TO
            )


async def close_referrer_tasks(tx: FhirTransaction, request: str, status: str) -> None:
    """End the referrer's open Tasks on the request (answered, or no longer needed)."""
    asked = await tx.search(
        "Task",
        [
            ("focus", request),
            ("code", "information-request,conversion-request"),
            ("status", "requested"),
        ],
    )
    for open_task in asked.matches:
        done = {**open_task.as_json(), "status": status}
        done.pop("meta", None)
        await tx.update("Task", open_task.id, done, if_match=open_task.version_id)


async def resume(tx: FhirTransaction, ctx: Referrals, case: TriageCase) -> None:
    now = ctx.now()
    due = ctx.calendar.resume(case.due_at, case.paused_at or now, now)
    task = await tx.read("Task", case.task.split("/", 1)[1], lock=True)
    moved = tasks.moved_task(
        task.as_json(), TriageState.AWAITING_TRIAGE, "information-provided", None, due
    )
    await tx.update("Task", task.id, moved, if_match=task.version_id)
    await tx.repository(TriageCases).mark(
        case.task, state=TriageState.AWAITING_TRIAGE, paused_at=None, due_at=due
    )
    await transitions.record(tx, case, "information-provided", TriageState.AWAITING_TRIAGE, now)
    await close_referrer_tasks(tx, case.service_request, "completed")
    request = await tx.read("ServiceRequest", case.service_request.split("/", 1)[1])
    await requests.revise(
        tx, request, shapes.with_triage_state(request.as_json(), TriageState.AWAITING_TRIAGE)
    )
