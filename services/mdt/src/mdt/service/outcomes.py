"""During and after the meeting: outcomes, actions, acknowledgement and escalation.

The loop the issue asks to close: each discussed case gets an outcome record (a
Composition) and actions with an owner and a due date (Tasks); an action for a GP
practice waits for the practice to acknowledge it; an action past its due date that
is neither acknowledged (when it must be) nor done is escalated once, announced as
`action-overdue`. A deferred or not-discussed case moves to the next meeting at once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from carecoord_shared.fhir.outcome import JsonObject, business_rule, conflict, forbidden
from mdt.domain.commands import Action, RecordOutcome
from mdt.service import resources
from mdt.service.announce import (
    ACTION_ASSIGNED,
    ACTION_OVERDUE,
    OUTCOME_RECORDED,
    announce,
    owner_data,
)
from mdt.service.teams import following_meeting
from mdt.service.transaction import ServiceTransaction
from mdt.store import cases, teams
from mdt.store.cases import CaseRow


async def record_outcome(
    tx: ServiceTransaction, topic: str, case_id: str, command: RecordOutcome, interval_months: int
) -> JsonObject:
    current = await tx.read("Task", case_id, lock=True)
    case = await _case(tx, case_id)
    task, now = current.as_json(), datetime.now(UTC)
    refusal = command.refusal(now.date())
    if refusal is not None:
        raise business_rule(refusal, ("Parameters.parameter.where(name='action')",))
    resources.set_state(task, command.outcome)
    if command.minutes_spent is not None:
        resources.set_input(task, "minutes-spent", valueDecimal=command.minutes_spent)
    actions = [(await _assign(tx, topic, case, action, now), action) for action in command.actions]
    record = resources.composition(
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
        await cases.update_case(tx.conn, case.id, state="discussed", open=False)
    else:
        await _roll_over(tx, case, task, command.outcome, interval_months)
    task.pop("meta", None)
    stored, _ = await tx.update("Task", case.id, task, if_match=current.version_id)
    await announce(
        tx.conn,
        topic,
        OUTCOME_RECORDED,
        f"Task/{case.id}",
        case.patient_nhs,
        {
            "case": f"Task/{case.id}",
            "composition": composition.reference,
            "mdt": f"CareTeam/{case.mdt_id}",
            "status": command.outcome,
            "planReviewed": command.plan_reviewed,
            "decisions": list(command.decisions),
        },
    )
    return stored.as_json()


async def _roll_over(
    tx: ServiceTransaction, case: CaseRow, task: JsonObject, outcome: str, interval_months: int
) -> None:
    """A deferred or not-discussed case moves to the next meeting by itself."""
    meeting = await teams.meeting(tx.conn, str(case.meeting_id))
    assert meeting is not None  # a case only gets an outcome once it is on a meeting
    later = await following_meeting(tx, meeting, interval_months)
    resources.set_input(task, "meeting", valueReference={"reference": f"Appointment/{later.id}"})
    await cases.update_case(tx.conn, case.id, state=outcome, meeting_id=later.id)


async def _case(tx: ServiceTransaction, case_id: str) -> CaseRow:
    case = await cases.case(tx.conn, case_id, lock=True)
    if case is None:
        raise business_rule(f"Task/{case_id} is not an MDT case")
    if not case.open:
        raise conflict("This case's outcome has already been recorded")
    if case.meeting_id is None:
        raise business_rule("This case is not on a meeting's list yet")
    member = await teams.is_member(tx.conn, case.mdt_id, tx.principal.subject)
    if not member and tx.principal.kind != "system":
        raise forbidden("Only members of this MDT can record its outcomes")
    return case


async def _assign(
    tx: ServiceTransaction, topic: str, case: CaseRow, action: Action, now: datetime
) -> str:
    stored, _ = await tx.create(
        "Task", resources.action_task(case.id, case.patient_nhs, action, now)
    )
    await cases.add_action(
        tx.conn,
        id=stored.id,
        case_id=case.id,
        patient_nhs=case.patient_nhs,
        owner_kind=action.owner_kind,
        owner_reference=action.owner_reference,
        owner_display=action.owner_display,
        owner_organisation=action.owner_organisation,
        description=action.description,
        due_on=action.due_on,
        needs_acknowledgement=action.needs_acknowledgement,
        state="assigned",
    )
    owner = owner_data(action.owner_reference, action.owner_display, action.owner_organisation)
    await announce(
        tx.conn,
        topic,
        ACTION_ASSIGNED,
        stored.reference,
        case.patient_nhs,
        {
            "action": stored.reference,
            "case": f"Task/{case.id}",
            "owner": owner,
            "dueOn": action.due_on.isoformat(),
            "description": action.description,
        },
    )
    return stored.id


async def _transition(
    tx: ServiceTransaction, action_id: str, status: str, business_status: str
) -> JsonObject:
    current = await tx.read("Task", action_id, lock=True)
    task = current.as_json()
    task["status"] = status
    task["businessStatus"] = resources.coded(business_status, resources.CASE_STATUS)
    task.pop("meta", None)
    stored, _ = await tx.update("Task", action_id, task, if_match=current.version_id)
    await cases.update_action(tx.conn, action_id, state=business_status)
    return stored.as_json()


async def acknowledge(tx: ServiceTransaction, action_id: str) -> JsonObject:
    """The owning practice acknowledges an action given to it."""
    await tx.read("Task", action_id, lock=True)
    row = await cases.action(tx.conn, action_id, lock=True)
    if row is None:
        raise business_rule(f"Task/{action_id} is not an MDT action")
    if not row.needs_acknowledgement:
        raise business_rule("This action was not given to a practice: nothing to acknowledge")
    if tx.principal.kind != "system" and tx.principal.organisation != row.owner_organisation:
        raise forbidden("Only the practice that owns this action can acknowledge it")
    if row.state != "assigned":
        raise conflict(f"This action is already {row.state}")
    return await _transition(tx, action_id, "accepted", "acknowledged")


async def complete(tx: ServiceTransaction, action_id: str) -> JsonObject:
    await tx.read("Task", action_id, lock=True)
    row = await cases.action(tx.conn, action_id, lock=True)
    if row is None:
        raise business_rule(f"Task/{action_id} is not an MDT action")
    if row.state == "completed":
        raise conflict("This action is already completed")
    return await _transition(tx, action_id, "completed", "completed")


async def escalate_overdue(tx: ServiceTransaction, topic: str, today: date) -> int:
    """Escalate each overdue action once; returns how many were escalated."""
    rows = await cases.overdue_actions(tx.conn, today)
    for row in rows:
        current = await tx.read("Task", row.id, lock=True)
        task = current.as_json()
        task["businessStatus"] = resources.coded("overdue", resources.CASE_STATUS)
        task.pop("meta", None)
        await tx.update("Task", row.id, task, if_match=current.version_id)
        await cases.update_action(tx.conn, row.id, overdue_at=datetime.now(UTC))
        await announce(
            tx.conn,
            topic,
            ACTION_OVERDUE,
            f"Task/{row.id}",
            row.patient_nhs,
            {
                "action": f"Task/{row.id}",
                "owner": owner_data(row.owner_reference, row.owner_display, row.owner_organisation),
                "dueOn": row.due_on.isoformat(),
            },
        )
    return len(rows)
