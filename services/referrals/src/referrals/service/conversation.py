"""The A&G conversation: each Communication turn, and the clock it may restart.

Runs as the Communication change hook, inside the write's transaction. A turn that is
`basedOn` a request under triage is announced (`message-added`, from the referrer or
the provider). When the referrer answers a request for information, the clock
resumes: the due date moves on by the working days the pause covered, the triage
Task is the provider's turn again, and the referrer's information Task is done.
"""

from __future__ import annotations

from carecoord_shared.fhir.outcome import business_rule
from carecoord_shared.fhir.registry import Change, FhirRegistry, WriteContext
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from referrals.domain.triage import TriageState
from referrals.service import announce, shapes
from referrals.service.context import Referrals
from referrals.store import cases


def _request_of(communication: dict[str, object]) -> str | None:
    for based_on in communication.get("basedOn", []) or []:  # type: ignore[attr-defined]
        reference = str(based_on.get("reference") or "")
        if reference.startswith("ServiceRequest/"):
            return reference
    return None


async def on_communication(
    context: WriteContext, change: Change, *, ctx: Referrals, registry: FhirRegistry
) -> None:
    if change.kind != "create" or change.resource is None:
        return
    request = _request_of(change.resource)
    if request is None:
        return
    case = await cases.case_for_request(context.conn, request, lock=True)
    if case is None:
        return
    if change.patient_nhs != case.nhs_number:
        raise business_rule(
            "The message is not about the request's patient", ("Communication.subject",)
        )
    tx = FhirTransaction(context.conn, registry, context.principal)
    await _check_turn_order(tx, change.resource, request)
    referrer = context.principal.organisation == case.requester_ods
    await announce.announce(
        context.conn,
        ctx.topic,
        announce.MESSAGE_ADDED,
        request,
        case.nhs_number,
        {
            "serviceRequest": request,
            "communication": f"Communication/{change.id}",
            "from": "referrer" if referrer else "provider",
        },
    )
    if referrer and case.state is TriageState.AWAITING_INFORMATION:
        await resume(tx, ctx, case)


async def _check_turn_order(
    tx: FhirTransaction, communication: dict[str, object], request: str
) -> None:
    """`inResponseTo` must be an earlier turn of the same conversation."""
    for previous in communication.get("inResponseTo", []) or []:  # type: ignore[attr-defined]
        reference = str(previous.get("reference") or "")
        kind, _, previous_id = reference.partition("/")
        earlier = None
        if kind == "Communication" and previous_id:
            found = await tx.search("Communication", [("_id", previous_id)])
            earlier = found.matches[0].as_json() if found.matches else None
        if earlier is None or _request_of(earlier) != request:
            raise business_rule(
                "inResponseTo must be an earlier message about the same request",
                ("Communication.inResponseTo",),
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


async def resume(tx: FhirTransaction, ctx: Referrals, case: cases.TriageCase) -> None:
    now = ctx.now()
    due = ctx.calendar.resume(case.due_at, case.paused_at or now, now)
    task = await tx.read("Task", case.task.split("/", 1)[1], lock=True)
    moved = shapes.moved_task(
        task.as_json(), TriageState.AWAITING_TRIAGE, "information-provided", None, due
    )
    await tx.update("Task", task.id, moved, if_match=task.version_id)
    await cases.mark(
        tx.conn, case.task, state=TriageState.AWAITING_TRIAGE, paused_at=None, due_at=due
    )
    await cases.record_transition(
        tx.conn,
        cases.Transition(
            service_request=case.service_request,
            task=case.task,
            outcome="information-provided",
            from_state=case.state.value,
            to_state=TriageState.AWAITING_TRIAGE.value,
            actor=tx.principal.subject,
            actor_role=tx.principal.role,
            actor_organisation=tx.principal.organisation,
            reason=None,
            at=now,
        ),
    )
    await close_referrer_tasks(tx, case.service_request, "completed")
    request = await tx.read("ServiceRequest", case.service_request.split("/", 1)[1])
    await tx.update(
        "ServiceRequest",
        request.id,
        shapes.with_triage_state(request.as_json(), TriageState.AWAITING_TRIAGE),
        if_match=request.version_id,
    )
