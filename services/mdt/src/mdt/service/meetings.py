"""Before and at the meeting: the case list assembled, cases prepared, attendance held.

Assembly takes every open case waiting for this meeting (unassigned, assigned here, or
left from an earlier meeting), orders it (urgency, risk, waiting time), cuts it at the
meeting's capacity and moves the rest to the next meeting (booked on the schedule if
none is), telling each nominator with a Task. Each listed case is checked against the
preparation checklist and flagged `not-ready` on the List if anything is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from carecoord_shared.fhir.outcome import JsonObject, business_rule, forbidden, not_found
from mdt.domain.model import Checklist, capacity, care_plan_current, plan_case_list
from mdt.service import resources
from mdt.service.teams import following_meeting, require_member
from mdt.service.transaction import ServiceTransaction
from mdt.store import cases, teams
from mdt.store.cases import CaseRow
from mdt.store.teams import MeetingRow

ATTACHED = "attached"


async def booked_meeting(tx: ServiceTransaction, meeting_id: str) -> MeetingRow:
    await tx.read("Appointment", meeting_id, lock=True)
    meeting = await teams.meeting(tx.conn, meeting_id, lock=True)
    if meeting is None:
        raise not_found("Appointment", meeting_id)
    await require_member(tx, meeting.mdt_id)
    if meeting.status != "booked":
        raise business_rule("This meeting has already been held")
    return meeting


async def assemble(
    tx: ServiceTransaction, meeting_id: str, interval_months: int, recent_days: int
) -> JsonObject:
    meeting = await booked_meeting(tx, meeting_id)
    found = await cases.waiting_for(tx.conn, meeting.mdt_id, meeting.id, meeting.starts_at)
    waiting = {c.id: c for c in found}
    places = capacity(meeting.duration_minutes, meeting.minutes_per_case)
    plan = plan_case_list([c.queued() for c in found], places)
    listed = [waiting[q.id] for q in plan.listed]
    tasks = await _case_tasks(tx, [c.id for c in listed])
    context = await _Context.load(tx, listed, recent_days, meeting.starts_at.date())
    entries = []
    for case in listed:
        task = tasks[case.id]
        if case.meeting_id != meeting.id:
            task = await _move(tx, case, meeting.id)
        entries.append((case.id, context.checklist(task, case).ready))
    if plan.overflow:
        later = await following_meeting(tx, meeting, interval_months)
        for queued in plan.overflow:
            await _overflow(tx, waiting[queued.id], later)
    body = resources.case_list(meeting.mdt_id, meeting.id, entries)
    if meeting.list_id is None:
        stored, _ = await tx.create("List", body)
        await teams.set_meeting(tx.conn, meeting.id, list_id=stored.id)
    else:
        stored, _ = await tx.update("List", meeting.list_id, body, if_match=None)
    return stored.as_json()


async def _case_tasks(tx: ServiceTransaction, ids: Sequence[str]) -> dict[str, JsonObject]:
    """The case Tasks of a list, read in pages of 100 (each page one audited search)."""
    tasks: dict[str, JsonObject] = {}
    for start in range(0, len(ids), 100):
        chunk = ids[start : start + 100]
        result = await tx.search("Task", [("_id", ",".join(chunk)), ("_count", "100")])
        tasks.update({m.id: m.as_json() for m in result.matches})
    missing = [i for i in ids if i not in tasks]
    if missing:  # a case the caller may not see: the list cannot be built by them
        raise forbidden("You cannot see every case on this list")
    return tasks


@dataclass(frozen=True, slots=True)
class _Context:
    """What the checklist needs about every patient on a list, fetched in two queries."""

    known: dict[str, Any]
    activity: dict[str, list[str]]
    day: date

    @classmethod
    async def load(
        cls, tx: ServiceTransaction, listed: Sequence[CaseRow], recent_days: int, day: date
    ) -> _Context:
        numbers = [c.patient_nhs for c in listed]
        since = datetime.now(UTC) - timedelta(days=recent_days)
        return cls(
            await cases.patients(tx.conn, numbers),
            await cases.activity_of(tx.conn, numbers, since),
            day,
        )

    def checklist(self, task: JsonObject, case: CaseRow) -> Checklist:
        known = self.known.get(case.patient_nhs)
        return Checklist(
            question_stated=bool(resources.input_value(task, "question")),
            care_plan_current=care_plan_current(known.review_due_on if known else None, self.day),
            recent_activity_attached=set(self.activity.get(case.patient_nhs, []))
            <= set(_attached(task)),
        )


async def _move(tx: ServiceTransaction, case: CaseRow, meeting_id: str) -> JsonObject:
    """The case's Task, assigned to `meeting_id` (written only if that changes it)."""
    current = await tx.read("Task", case.id, lock=True)
    task = current.as_json()
    if case.meeting_id == meeting_id:
        return task
    resources.set_input(task, "meeting", valueReference={"reference": f"Appointment/{meeting_id}"})
    task.pop("meta", None)
    await tx.update("Task", case.id, task, if_match=current.version_id)
    await cases.update_case(tx.conn, case.id, meeting_id=meeting_id)
    return task


async def _overflow(tx: ServiceTransaction, case: CaseRow, later: MeetingRow) -> None:
    if case.meeting_id == later.id:
        return
    await _move(tx, case, later.id)
    day = later.starts_at.date().isoformat()
    text = f"No room at this meeting: the case moves to the meeting of {day}"
    now = datetime.now(UTC)
    for nominator in case.nominators:
        await tx.create(
            "Task", resources.notice_task(case.id, case.patient_nhs, nominator, text, now)
        )


def _attached(task: JsonObject) -> list[str]:
    return [
        str(i["valueReference"]["reference"])
        for i in task.get("input", [])
        if i.get("type", {}).get("text") == ATTACHED and "valueReference" in i
    ]


async def prepare(
    tx: ServiceTransaction, case_id: str, question: str | None, recent_days: int
) -> JsonObject:
    """Attach recent referrals and advice, state the question, and check the case."""
    current = await tx.read("Task", case_id, lock=True)
    case = await cases.case(tx.conn, case_id, lock=True)
    if case is None:
        raise business_rule(f"Task/{case_id} is not an MDT case")
    await require_member(tx, case.mdt_id)
    if not case.open or case.state == "discussed":
        raise business_rule("This case is closed: it can no longer be prepared")
    task = current.as_json()
    if question:
        resources.set_input(task, "question", valueString=question)
    since = datetime.now(UTC) - timedelta(days=recent_days)
    known = set(_attached(task))
    for reference in await cases.recent_activity(tx.conn, case.patient_nhs, since):
        if reference not in known:
            task.setdefault("input", []).append(
                {"type": {"text": ATTACHED}, "valueReference": {"reference": reference}}
            )
    meeting = await teams.meeting(tx.conn, case.meeting_id) if case.meeting_id else None
    day = meeting.starts_at.date() if meeting else datetime.now(UTC).date()
    context = await _Context.load(tx, [case], recent_days, day)
    result = context.checklist(task, case)
    _record_checklist(task, result)
    state = "prepared" if result.ready and case.state == "listed" else case.state
    resources.set_state(task, state)
    task.pop("meta", None)
    stored, _ = await tx.update("Task", case_id, task, if_match=current.version_id)
    await cases.update_case(tx.conn, case_id, state=state)
    return stored.as_json()


def _record_checklist(task: JsonObject, result: Checklist) -> None:
    for name in ("question-stated", "care-plan-current", "recent-activity-attached"):
        resources.set_input(task, f"checklist:{name}", valueBoolean=name not in result.missing())


async def record_attendance(
    tx: ServiceTransaction, meeting_id: str, attendees: Sequence[str]
) -> JsonObject:
    """The meeting is held: an Encounter with who attended; the Appointment fulfilled."""
    meeting = await booked_meeting(tx, meeting_id)
    current = await tx.read("Appointment", meeting_id, lock=True)
    appointment = current.as_json()
    appointment["status"] = "fulfilled"
    appointment.pop("meta", None)
    await tx.update("Appointment", meeting_id, appointment, if_match=current.version_id)
    stored, _ = await tx.create(
        "Encounter", resources.encounter(meeting_id, meeting.starts_at, attendees)
    )
    await teams.set_meeting(tx.conn, meeting_id, status="held")
    return stored.as_json()
