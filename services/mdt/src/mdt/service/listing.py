"""Putting a patient on an MDT's list, by nomination or by a rule.

One open case per patient per MDT: a second nomination (or rule) adds its reason to
the open case, raises its urgency if it is more urgent, and is otherwise absorbed; the
same event seen twice changes nothing. A new case goes to the MDT's next booked
meeting, every member of the MDT gets the 'mdt' relationship with the patient (so
they can prepare the case), and `case-listed` is announced in the same commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from carecoord_shared.fhir.outcome import business_rule
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource
from mdt.domain import events
from mdt.domain.cases import Case
from mdt.domain.commands import ListPatient
from mdt.domain.model import FHIR_PRIORITY, URGENCIES, Urgency
from mdt.domain.vocabulary import MDT
from mdt.fhir import tasks
from mdt.store.cases import Cases
from mdt.store.meetings import Meetings
from mdt.store.patients import Patients
from mdt.store.teams import Teams


async def nominate(
    tx: FhirTransaction, mdt_id: str, command: ListPatient, now: datetime
) -> tuple[StoredResource, bool]:
    """A nomination by someone with a care relationship to the patient."""
    await tx.read("CareTeam", mdt_id)
    if not await tx.may_access(command.patient):
        await tx.refuse("C", f"CareTeam/{mdt_id}/$nominate", command.patient)
    return await list_patient(tx, mdt_id, command, now)


async def list_patient(
    tx: FhirTransaction, mdt_id: str, command: ListPatient, now: datetime
) -> tuple[StoredResource, bool]:
    """The patient's open case with the MDT (added to), or a new one; and whether new."""
    team = await tx.repository(Teams).get(mdt_id)
    if team is None or not team.active:
        raise business_rule("This MDT is not active: it cannot take new cases")
    existing = await tx.repository(Cases).open_case(mdt_id, command.patient)
    if existing is not None:
        return await _add_to_case(tx, existing, command), False
    return await _new_case(tx, mdt_id, command, now), True


async def _new_case(
    tx: FhirTransaction, mdt_id: str, command: ListPatient, now: datetime
) -> StoredResource:
    meeting = await tx.repository(Meetings).next_after(mdt_id, now)
    meeting_id = meeting.id if meeting else None
    known = await tx.repository(Patients).get(command.patient)
    risk = command.risk if command.risk is not None else (known and known.risk_score) or 0.0
    source = command.source
    body = tasks.case_task(
        mdt_id,
        command.patient,
        command.urgency,
        source,
        command.question,
        command.for_discussion,
        meeting_id,
    )
    stored, _ = await tx.create("Task", body)
    case = Case(
        stored.id,
        mdt_id,
        command.patient,
        meeting_id,
        "listed",
        True,
        command.urgency,
        float(risk),
        command.for_discussion,
        now,
        (source.nominator,) if source.nominator else (),
        (source.as_json(),),
    )
    await tx.repository(Cases).add(case)
    for member in await tx.repository(Teams).members(mdt_id):
        await tx.grants.grant(command.patient, "user", member, MDT)
    data = events.case_listed(stored.reference, mdt_id, meeting_id, source, command.urgency)
    await tx.outbox.announce(
        events.CASE_LISTED, subject=stored.reference, nhs_number=command.patient, data=data
    )
    return stored


async def _add_to_case(tx: FhirTransaction, case: Case, command: ListPatient) -> StoredResource:
    source = command.source
    current = await tx.read("Task", case.id, lock=True)
    if case.listed_by(source.event_id):
        return current  # the same event again: nothing new to add
    task = current.as_json()
    task.setdefault("note", []).append(tasks.source_note(source))
    question = tasks.input_value(task, "question")
    if command.question and command.question != question:
        joined = f"{question}\n{command.question}" if question else command.question
        tasks.set_input(task, "question", valueString=joined)
    urgency: Urgency = min(cast(Urgency, case.urgency), command.urgency, key=URGENCIES.index)
    task["priority"] = FHIR_PRIORITY[urgency]
    if command.for_discussion and not case.for_discussion:
        tasks.set_input(task, "purpose", valueCode="for-discussion")
    task.pop("meta", None)
    stored, _ = await tx.update("Task", case.id, task, if_match=current.version_id)
    nominators = list(case.nominators)
    if source.nominator and source.nominator not in nominators:
        nominators.append(source.nominator)
    await tx.repository(Cases).update(
        case.id,
        urgency=urgency,
        risk=case.risk if command.risk is None else max(case.risk, command.risk),
        for_discussion=case.for_discussion or command.for_discussion,
        nominators=tuple(nominators),
        sources=(*case.sources, source.as_json()),
    )
    return stored
