"""Putting a patient on an MDT's list, by nomination or by a rule.

One open case per patient per MDT: a second nomination (or rule) adds its reason to
the open case, raises its urgency if it is more urgent, and is otherwise absorbed; the
same event seen twice changes nothing. A new case goes to the MDT's next booked
meeting, every member of the MDT gets the 'mdt' relationship with the patient (so
they can prepare the case), and `case-listed` is announced in the same commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from carecoord_shared.fhir.outcome import business_rule, forbidden
from carecoord_shared.security import access
from carecoord_shared.store.repository import StoredResource
from mdt.domain.commands import ListPatient
from mdt.domain.model import FHIR_PRIORITY, URGENCIES, Urgency
from mdt.service import resources
from mdt.service.announce import CASE_LISTED, announce
from mdt.service.transaction import ServiceTransaction
from mdt.store import cases, teams
from mdt.store.cases import CaseRow


async def nominate(
    tx: ServiceTransaction, topic: str, mdt_id: str, command: ListPatient
) -> tuple[StoredResource, bool]:
    """A nomination by someone with a care relationship to the patient."""
    await tx.read("CareTeam", mdt_id)
    if not await access.can_access(tx.conn, tx.principal, command.patient):
        raise forbidden("You have no care relationship with this patient")
    return await list_patient(tx, topic, mdt_id, command)


async def list_patient(
    tx: ServiceTransaction, topic: str, mdt_id: str, command: ListPatient
) -> tuple[StoredResource, bool]:
    team = await teams.team(tx.conn, mdt_id)
    if team is None or not team.active:
        raise business_rule("This MDT is not active: it cannot take new cases")
    existing = await cases.open_case(tx.conn, mdt_id, command.patient)
    if existing is not None:
        return await _add_to_case(tx, existing, command), False
    now = datetime.now(UTC)
    meeting = await teams.next_meeting(tx.conn, mdt_id, now)
    known = await cases.patient(tx.conn, command.patient)
    risk = command.risk if command.risk is not None else float((known and known.risk_score) or 0.0)
    body = resources.case_task(
        mdt_id,
        command.patient,
        command.urgency,
        command.source,
        command.question,
        command.for_discussion,
        meeting.id if meeting else None,
    )
    stored, _ = await tx.create("Task", body)
    row = CaseRow(
        stored.id,
        mdt_id,
        command.patient,
        meeting.id if meeting else None,
        "listed",
        True,
        command.urgency,
        risk,
        command.for_discussion,
        now,
        (command.source.nominator,) if command.source.nominator else (),
        (command.source.as_json(),),
    )
    await cases.insert_case(tx.conn, row)
    for member in await teams.members(tx.conn, mdt_id):
        await access.grant(tx.conn, command.patient, "user", member, "mdt")
    await announce(
        tx.conn,
        topic,
        CASE_LISTED,
        stored.reference,
        command.patient,
        {
            "case": stored.reference,
            "mdt": f"CareTeam/{mdt_id}",
            "meeting": f"Appointment/{meeting.id}" if meeting else None,
            "rule": None if command.source.kind == "nomination" else command.source.kind,
            "nomination": command.source.nominator if command.source.kind == "nomination" else None,
            "urgency": command.urgency,
        },
    )
    return stored, True


async def _add_to_case(
    tx: ServiceTransaction, case: CaseRow, command: ListPatient
) -> StoredResource:
    source = command.source
    current = await tx.read("Task", case.id, lock=True)
    if source.event_id and any(s.get("event_id") == source.event_id for s in case.sources):
        return current  # the same event again: nothing new to add
    task = current.as_json()
    task.setdefault("note", []).append(resources.source_note(source))
    question = resources.input_value(task, "question")
    if command.question and command.question != question:
        joined = f"{question}\n{command.question}" if question else command.question
        resources.set_input(task, "question", valueString=joined)
    urgency: Urgency = min(cast(Urgency, case.urgency), command.urgency, key=URGENCIES.index)
    task["priority"] = FHIR_PRIORITY[urgency]
    if command.for_discussion and not case.for_discussion:
        resources.set_input(task, "purpose", valueCode="for-discussion")
    task.pop("meta", None)
    stored, _ = await tx.update("Task", case.id, task, if_match=current.version_id)
    nominators = list(case.nominators)
    if source.nominator and source.nominator not in nominators:
        nominators.append(source.nominator)
    await cases.update_case(
        tx.conn,
        case.id,
        urgency=urgency,
        risk=case.risk if command.risk is None else max(case.risk, command.risk),
        for_discussion=case.for_discussion or command.for_discussion,
        nominators=nominators,
        sources=[*case.sources, source.as_json()],
    )
    return stored
