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
from datetime import date, datetime, timedelta

from carecoord_shared.events import new_event
from carecoord_shared.fhir.outcome import JsonObject, business_rule, forbidden, not_found
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource
from mdt.domain import events
from mdt.domain.cases import Case, KnownPatient
from mdt.domain.model import Checklist, capacity, care_plan_current, plan_case_list
from mdt.domain.teams import Meeting
from mdt.fhir import shapes, tasks
from mdt.service.context import MdtContext
from mdt.service.teams import following_meeting, require_member
from mdt.store.cases import Cases
from mdt.store.meetings import Meetings
from mdt.store.patients import Patients


async def booked_meeting(tx: FhirTransaction, meeting_id: str) -> Meeting:
    await tx.read("Appointment", meeting_id, lock=True)
    meeting = await tx.repository(Meetings).get(meeting_id, lock=True)
    if meeting is None:
        raise not_found("Appointment", meeting_id)
    await require_member(tx, meeting.mdt_id)
    if meeting.status != "booked":
        raise business_rule("This meeting has already been held")
    return meeting


async def assemble(tx: FhirTransaction, context: MdtContext, meeting_id: str) -> StoredResource:
    """The meeting's case list, ordered, cut at capacity, each case flagged; announced
    (`case-list-assembled`, keyed by the meeting) so open meeting pages show it."""
    meeting = await booked_meeting(tx, meeting_id)
    cases = tx.repository(Cases)
    found = await cases.waiting_for(meeting.mdt_id, meeting.id, meeting.starts_at)
    waiting = {c.id: c for c in found}
    places = capacity(meeting.duration_minutes, meeting.minutes_per_case)
    plan = plan_case_list([c.queued() for c in found], places)
    listed = [waiting[q.id] for q in plan.listed]
    bodies = await _case_tasks(tx, [c.id for c in listed])
    known = await _Known.load(tx, listed, context, meeting.starts_at.date())
    entries = []
    for case in listed:
        task = bodies[case.id]
        if case.meeting_id != meeting.id:
            task = await _move(tx, case, meeting.id)
        entries.append((case.id, known.checklist(task, case).ready))
    later = None
    if plan.overflow:
        later = await following_meeting(tx, meeting, context.settings.meeting_interval_months)
        for queued in plan.overflow:
            await _overflow(tx, waiting[queued.id], later, context.now())
    body = shapes.case_list(meeting.mdt_id, meeting.id, entries, context.now())
    if meeting.list_id is None:
        stored, _ = await tx.create("List", body)
        await tx.repository(Meetings).set_list(meeting.id, stored.id)
    else:
        stored, _ = await tx.update("List", meeting.list_id, body, if_match=None)
    overflow = [q.id for q in plan.overflow]
    data = events.case_list_assembled(
        stored.reference, meeting.mdt_id, meeting.id, entries, overflow, later.id if later else None
    )
    source, subject = tx.registry.event_source, f"Appointment/{meeting.id}"
    await tx.outbox.add(
        new_event(events.CASE_LIST_ASSEMBLED, source=source, subject=subject, data=data)
    )
    return stored


async def _case_tasks(tx: FhirTransaction, ids: Sequence[str]) -> dict[str, JsonObject]:
    """The case Tasks of a list, read in pages of 100 (each page one audited search)."""
    found: dict[str, JsonObject] = {}
    for start in range(0, len(ids), 100):
        chunk = ids[start : start + 100]
        result = await tx.search("Task", [("_id", ",".join(chunk)), ("_count", "100")])
        found.update({m.id: m.as_json() for m in result.matches})
    if any(i not in found for i in ids):  # a case the caller may not see
        raise forbidden("You cannot see every case on this list")
    return found


@dataclass(frozen=True, slots=True)
class _Known:
    """What the checklist needs about every patient on a list, fetched in two queries."""

    patients: dict[str, KnownPatient]
    activity: dict[str, list[str]]
    day: date

    @classmethod
    async def load(
        cls, tx: FhirTransaction, listed: Sequence[Case], context: MdtContext, day: date
    ) -> _Known:
        numbers = [c.patient_nhs for c in listed]
        since = context.now() - timedelta(days=context.settings.recent_activity_days)
        projections = tx.repository(Patients)
        return cls(
            await projections.many(numbers), await projections.activity_of(numbers, since), day
        )

    def checklist(self, task: JsonObject, case: Case) -> Checklist:
        known = self.patients.get(case.patient_nhs)
        return Checklist(
            question_stated=bool(tasks.input_value(task, "question")),
            care_plan_current=care_plan_current(known.review_due_on if known else None, self.day),
            recent_activity_attached=set(self.activity.get(case.patient_nhs, []))
            <= set(tasks.attached(task)),
        )


async def _move(tx: FhirTransaction, case: Case, meeting_id: str) -> JsonObject:
    """The case's Task, assigned to `meeting_id` (written only if that changes it)."""
    current = await tx.read("Task", case.id, lock=True)
    task = current.as_json()
    if case.meeting_id == meeting_id:
        return task
    tasks.set_input(task, "meeting", valueReference={"reference": f"Appointment/{meeting_id}"})
    task.pop("meta", None)
    await tx.update("Task", case.id, task, if_match=current.version_id)
    await tx.repository(Cases).update(case.id, meeting_id=meeting_id)
    return task


async def _overflow(tx: FhirTransaction, case: Case, later: Meeting, now: datetime) -> None:
    if case.meeting_id == later.id:
        return
    await _move(tx, case, later.id)
    day = later.starts_at.date().isoformat()
    text = f"No room at this meeting: the case moves to the meeting of {day}"
    for nominator in case.nominators:
        await tx.create("Task", tasks.notice_task(case.id, case.patient_nhs, nominator, text, now))


async def prepare(
    tx: FhirTransaction, context: MdtContext, case_id: str, question: str | None
) -> StoredResource:
    """Attach recent referrals and advice, state the question, and check the case."""
    current = await tx.read("Task", case_id, lock=True)
    case = await tx.repository(Cases).get(case_id, lock=True)
    if case is None:
        raise business_rule(f"Task/{case_id} is not an MDT case")
    await require_member(tx, case.mdt_id)
    if not case.open or case.state == "discussed":
        raise business_rule("This case is closed: it can no longer be prepared")
    task = current.as_json()
    if question:
        tasks.set_input(task, "question", valueString=question)
    since = context.now() - timedelta(days=context.settings.recent_activity_days)
    known = set(tasks.attached(task))
    for reference in await tx.repository(Patients).recent_activity(case.patient_nhs, since):
        if reference not in known:
            tasks.attach(task, reference)
    meeting = await tx.repository(Meetings).get(case.meeting_id) if case.meeting_id else None
    day = meeting.starts_at.date() if meeting else context.today()
    result = (await _Known.load(tx, [case], context, day)).checklist(task, case)
    tasks.record_checklist(task, result)
    state = "prepared" if result.ready and case.state == "listed" else case.state
    tasks.set_state(task, state)
    task.pop("meta", None)
    stored, _ = await tx.update("Task", case_id, task, if_match=current.version_id)
    await tx.repository(Cases).update(case_id, state=state)
    return stored


async def record_attendance(
    tx: FhirTransaction, meeting_id: str, attendees: Sequence[str]
) -> StoredResource:
    """The meeting is held: an Encounter with who attended; the Appointment fulfilled."""
    meeting = await booked_meeting(tx, meeting_id)
    current = await tx.read("Appointment", meeting_id, lock=True)
    appointment = current.as_json()
    appointment["status"] = "fulfilled"
    appointment.pop("meta", None)
    await tx.update("Appointment", meeting_id, appointment, if_match=current.version_id)
    encounter = shapes.encounter(meeting_id, meeting.starts_at, attendees)
    stored, _ = await tx.create("Encounter", encounter)
    await tx.repository(Meetings).held(meeting_id)
    return stored
