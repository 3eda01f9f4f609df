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
from carecoord_shared.fhir.outcome import (
    JsonObject,
    business_rule,
    conflict,
    forbidden,
    precondition_failed,
)
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource
from mdt.domain import events
from mdt.domain.cases import AssignedAction, Case
from mdt.domain.commands import Action, RecordOutcome
from mdt.fhir import shapes, tasks
from mdt.fhir.systems import CASE_STATUS
from mdt.service.context import MdtContext
from mdt.service.teams import following_meeting, require_member
from mdt.store.actions import Actions
from mdt.store.cases import Cases
from mdt.store.meetings import Meetings


async def _case_at(tx: FhirTransaction, case_id: str, if_match: int | None) -> StoredResource:
    """The case Task, locked; refused (412) when it is no longer at `if_match`."""
    current = await tx.read("Task", case_id, lock=True)
    if if_match is not None and if_match != current.version_id:
        raise precondition_failed(
            f"Version {if_match} is stale: the case is at version {current.version_id}"
        )
    return current


async def record_outcome(
    tx: FhirTransaction,
    context: MdtContext,
    case_id: str,
    command: RecordOutcome,
    if_match: int | None = None,
) -> StoredResource:
    current = await _case_at(tx, case_id, if_match)
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
    return stored


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


async def _retag(
    tx: FhirTransaction, action_id: str, business_status: str, status: str | None = None
) -> StoredResource:
    """The action Task with a new businessStatus (and status, if given)."""
    current = await tx.read("Task", action_id, lock=True)
    task = current.as_json()
    task["status"] = status or task["status"]
    task["businessStatus"] = shapes.coded(business_status, CASE_STATUS)
    task.pop("meta", None)
    stored, _ = await tx.update("Task", action_id, task, if_match=current.version_id)
    return stored


async def _settle(tx: FhirTransaction, action_id: str, step: str) -> StoredResource:
    """Acknowledge or complete an action: each once, acknowledging only by its practice;
    announced (`action-acknowledged`, `action-completed`) with its case's MDT and meeting."""
    await tx.read("Task", action_id, lock=True)
    action = await tx.repository(Actions).get(action_id, lock=True)
    if action is None:
        raise business_rule(f"Task/{action_id} is not an MDT action")
    if step == "acknowledged":
        _may_acknowledge(tx, action)
    if action.state == step or (step == "acknowledged" and action.state != "assigned"):
        raise conflict(f"This action is already {action.state}")
    await tx.repository(Actions).set_state(action_id, step)
    stored = await _retag(tx, action_id, step, _TASK_STATUS[step])
    case = await tx.repository(Cases).get(action.case_id)
    assert case is not None  # an action is always part of a case
    await tx.outbox.announce(
        events.SETTLED[step],
        subject=stored.reference,
        nhs_number=action.patient_nhs,
        data=events.action_settled(action, case.mdt_id, case.meeting_id),
    )
    return stored


_TASK_STATUS = {"acknowledged": "accepted", "completed": "completed"}


def _may_acknowledge(tx: FhirTransaction, action: AssignedAction) -> None:
    if not action.needs_acknowledgement:
        raise business_rule("This action was not given to a practice: nothing to acknowledge")
    if tx.principal.kind != "system" and tx.principal.organisation != action.owner_organisation:
        raise forbidden("Only the practice that owns this action can acknowledge it")


async def acknowledge(tx: FhirTransaction, action_id: str) -> StoredResource:
    """The owning practice acknowledges an action given to it."""
    return await _settle(tx, action_id, "acknowledged")


async def complete(tx: FhirTransaction, action_id: str) -> StoredResource:
    """Anyone with a relationship with the patient marks the action done."""
    return await _settle(tx, action_id, "completed")


async def escalate_overdue(tx: FhirTransaction, now: datetime) -> int:
    """Escalate each overdue action once; returns how many were escalated."""
    overdue = await tx.repository(Actions).overdue(now.date())
    for action in overdue:
        await _retag(tx, action.id, "overdue")
        await tx.repository(Actions).escalated(action.id, now)
        await tx.outbox.announce(
            events.ACTION_OVERDUE,
            subject=f"Task/{action.id}",
            nhs_number=action.patient_nhs,
            data=events.action_overdue(action),
        )
    return len(overdue)
