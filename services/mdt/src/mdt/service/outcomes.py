"""During and after the meeting: outcomes, actions, acknowledgement and escalation.

The loop the issue asks to close: each discussed case gets an outcome record (a
Composition) and actions with an owner and a due date (Tasks); an action for a GP
practice waits for the practice to acknowledge it; an action past its due date that
is neither acknowledged (when it must be) nor done is escalated once, announced as
`action-overdue`. A deferred or not-discussed case moves to the next meeting at once.
"""

from __future__ import annotations

from datetime import datetime

from carecoord_shared.fhir.operations import parameter_path
from carecoord_shared.fhir.outcome import JsonObject, business_rule, conflict, forbidden
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from mdt.domain import events
from mdt.domain.cases import AssignedAction, Case
from mdt.domain.commands import Action, RecordOutcome
from mdt.domain.vocabulary import CASE_STATUS
from mdt.fhir import shapes, tasks
from mdt.service.context import MdtContext
from mdt.service.teams import following_meeting, require_member
from mdt.store.actions import Actions
from mdt.store.cases import Cases
from mdt.store.meetings import Meetings


async def record_outcome(
    tx: FhirTransaction, context: MdtContext, case_id: str, command: RecordOutcome
) -> JsonObject:
    current = await tx.read("Task", case_id, lock=True)
    case = await _open_case(tx, case_id)
    task, now = current.as_json(), context.now()
    refusal = command.refusal(now.date())
    if refusal is not None:
        raise business_rule(refusal, (parameter_path("action"),))
    tasks.set_state(task, command.outcome)
    if command.minutes_spent is not None:
        tasks.set_input(task, "minutes-spent", valueDecimal=command.minutes_spent)
    actions = [(await _assign(tx, case, action, now), action) for action in command.actions]
    record = shapes.composition(
        case.id,
        case.patient_nhs,
        tx.principal.subject,
        command.outcome,
        command.summary,
        command.decisions,
        actions,
        now,
    )
    composition, _ = await tx.create("Composition", record)
    task["output"] = [
        {"type": {"text": "outcome-record"}, "valueReference": {"reference": composition.reference}}
    ]
    if command.outcome == "discussed":
        await tx.repository(Cases).update(case.id, state="discussed", open=False)
    else:
        await _roll_over(tx, case, task, command.outcome, context)
    task.pop("meta", None)
    stored, _ = await tx.update("Task", case.id, task, if_match=current.version_id)
    data = events.outcome_recorded(
        case.id,
        composition.reference,
        case.mdt_id,
        command.outcome,
        command.plan_reviewed,
        command.decisions,
    )
    await tx.outbox.announce(
        events.OUTCOME_RECORDED, subject=f"Task/{case.id}", nhs_number=case.patient_nhs, data=data
    )
    return stored.as_json()


async def _roll_over(
    tx: FhirTransaction, case: Case, task: JsonObject, outcome: str, context: MdtContext
) -> None:
    """A deferred or not-discussed case moves to the next meeting by itself."""
    meeting = await tx.repository(Meetings).get(str(case.meeting_id))
    assert meeting is not None  # a case only gets an outcome once it is on a meeting
    later = await following_meeting(tx, meeting, context.settings.meeting_interval_months)
    tasks.set_input(task, "meeting", valueReference={"reference": f"Appointment/{later.id}"})
    await tx.repository(Cases).update(case.id, state=outcome, meeting_id=later.id)


async def _open_case(tx: FhirTransaction, case_id: str) -> Case:
    case = await tx.repository(Cases).get(case_id, lock=True)
    if case is None:
        raise business_rule(f"Task/{case_id} is not an MDT case")
    if not case.open:
        raise conflict("This case's outcome has already been recorded")
    if case.meeting_id is None:
        raise business_rule("This case is not on a meeting's list yet")
    await require_member(tx, case.mdt_id, "Only members of this MDT can record its outcomes")
    return case


async def _assign(tx: FhirTransaction, case: Case, action: Action, now: datetime) -> str:
    body = tasks.action_task(case.id, case.patient_nhs, action, now)
    stored, _ = await tx.create("Task", body)
    assigned = AssignedAction(
        stored.id,
        case.id,
        case.patient_nhs,
        action.owner_kind,
        action.owner_reference,
        action.owner_display,
        action.owner_organisation,
        action.description,
        action.due_on,
        action.needs_acknowledgement,
        "assigned",
    )
    await tx.repository(Actions).add(assigned)
    data = events.action_assigned(stored.reference, case.id, action)
    await tx.outbox.announce(
        events.ACTION_ASSIGNED, subject=stored.reference, nhs_number=case.patient_nhs, data=data
    )
    return stored.id


async def _transition(
    tx: FhirTransaction, action_id: str, status: str, business_status: str
) -> JsonObject:
    current = await tx.read("Task", action_id, lock=True)
    task = current.as_json()
    task["status"] = status
    task["businessStatus"] = shapes.coded(business_status, CASE_STATUS)
    task.pop("meta", None)
    stored, _ = await tx.update("Task", action_id, task, if_match=current.version_id)
    await tx.repository(Actions).set_state(action_id, business_status)
    return stored.as_json()


async def _action(tx: FhirTransaction, action_id: str) -> AssignedAction:
    await tx.read("Task", action_id, lock=True)
    found = await tx.repository(Actions).get(action_id, lock=True)
    if found is None:
        raise business_rule(f"Task/{action_id} is not an MDT action")
    return found


async def acknowledge(tx: FhirTransaction, action_id: str) -> JsonObject:
    """The owning practice acknowledges an action given to it."""
    action = await _action(tx, action_id)
    if not action.needs_acknowledgement:
        raise business_rule("This action was not given to a practice: nothing to acknowledge")
    if tx.principal.kind != "system" and tx.principal.organisation != action.owner_organisation:
        raise forbidden("Only the practice that owns this action can acknowledge it")
    if action.state != "assigned":
        raise conflict(f"This action is already {action.state}")
    return await _transition(tx, action_id, "accepted", "acknowledged")


async def complete(tx: FhirTransaction, action_id: str) -> JsonObject:
    action = await _action(tx, action_id)
    if action.state == "completed":
        raise conflict("This action is already completed")
    return await _transition(tx, action_id, "completed", "completed")


async def escalate_overdue(tx: FhirTransaction, now: datetime) -> int:
    """Escalate each overdue action once; returns how many were escalated."""
    overdue = await tx.repository(Actions).overdue(now.date())
    for action in overdue:
        current = await tx.read("Task", action.id, lock=True)
        task = current.as_json()
        task["businessStatus"] = shapes.coded("overdue", CASE_STATUS)
        task.pop("meta", None)
        await tx.update("Task", action.id, task, if_match=current.version_id)
        await tx.repository(Actions).escalated(action.id, now)
        await tx.outbox.announce(
            events.ACTION_OVERDUE,
            subject=f"Task/{action.id}",
            nhs_number=action.patient_nhs,
            data=events.action_overdue(action),
        )
    return len(overdue)
