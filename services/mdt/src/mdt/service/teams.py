"""MDT teams and their meetings.

A CareTeam written through REST goes through `record_team` (the type's write
handler), in the same unit of work: only existing members (or a system client) may
change or delete a team; its membership rows are rewritten; members who joined get
the 'mdt' relationship with the patients already on the team's open cases, and
members who left lose it unless another MDT of theirs has the patient listed.
Meetings are scheduled by `$schedule-meetings`, monthly by default (DOMAIN.md:
"Monthly MDT meetings carried out to a consistent format").
"""

from __future__ import annotations

from datetime import timedelta

from carecoord_shared.calendar import add_months
from carecoord_shared.fhir.outcome import business_rule, forbidden
from carecoord_shared.fhir.registry import Write
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource
from mdt.domain.commands import ScheduleMeetings
from mdt.domain.model import capacity
from mdt.domain.teams import Meeting
from mdt.domain.vocabulary import MDT
from mdt.fhir import shapes
from mdt.fhir.team import team_from_fhir
from mdt.store.cases import Cases
from mdt.store.meetings import Meetings
from mdt.store.teams import Teams


async def record_team(tx: FhirTransaction, write: Write) -> tuple[StoredResource | None, bool]:
    """A REST write of a CareTeam, with the team's rows and its members' access."""
    teams = tx.repository(Teams)
    before = set(await teams.members(write.resource_id)) if write.resource_id else set()
    stored, created = await tx.store_write(write)
    if stored is None or (write.kind == "create" and not created):
        return stored, created  # nothing removed, or an existing team found: no change
    who = tx.principal
    if not created and who.kind != "system" and who.subject not in before:
        raise forbidden("Only members of this MDT can change it")
    after: set[str] = set()
    if write.kind == "delete":
        await teams.close(stored.id)
    else:
        shape = team_from_fhir(stored.id, stored.as_json())
        await teams.save(shape.team, shape.name, shape.members)
        after = {m.user_id for m in shape.members}
    await _share_open_cases(tx, stored.id, before, after)
    return stored, created


async def _share_open_cases(
    tx: FhirTransaction, mdt_id: str, before: set[str], after: set[str]
) -> None:
    for patient in await tx.repository(Cases).open_patients(mdt_id):
        for user in sorted(after - before):
            await tx.grants.grant(patient, "user", user, MDT)
        for user in sorted(before - after):
            await _end_unless_listed_elsewhere(tx, patient, user)


async def _end_unless_listed_elsewhere(tx: FhirTransaction, patient: str, user: str) -> None:
    cases = tx.repository(Cases)
    for mdt_id in await tx.repository(Teams).teams_of(user):
        if await cases.open_case(mdt_id, patient) is not None:
            return
    await tx.grants.end(patient, "user", user, MDT)


async def schedule_meetings(
    tx: FhirTransaction, mdt_id: str, command: ScheduleMeetings
) -> list[StoredResource]:
    """Book `count` meetings, `interval_months` apart, from `first_start`."""
    await tx.read("CareTeam", mdt_id, lock=True)
    team = await tx.repository(Teams).get(mdt_id)
    if team is None or not team.active:
        raise business_rule("This MDT is not active: it cannot hold meetings")
    places = capacity(command.duration_minutes, command.minutes_per_case)
    members = await tx.repository(Teams).members(mdt_id)
    booked = []
    for index in range(command.count):
        start = add_months(command.first_start, index * command.interval_months)
        end = start + timedelta(minutes=command.duration_minutes)
        minutes = command.duration_minutes
        body = shapes.appointment(mdt_id, members, start, end, minutes, places)
        stored, _ = await tx.create("Appointment", body)
        meeting = Meeting(
            stored.id,
            mdt_id,
            start,
            command.duration_minutes,
            command.minutes_per_case,
            None,
            "booked",
        )
        await tx.repository(Meetings).add(meeting)
        booked.append(stored)
    return booked


async def following_meeting(tx: FhirTransaction, meeting: Meeting, interval_months: int) -> Meeting:
    """The MDT's next booked meeting after `meeting`, booked on the schedule if none is."""
    meetings = tx.repository(Meetings)
    found = await meetings.next_after(meeting.mdt_id, meeting.starts_at)
    if found is not None:
        return found
    command = ScheduleMeetings(
        add_months(meeting.starts_at, interval_months),
        1,
        interval_months,
        meeting.duration_minutes,
        meeting.minutes_per_case,
    )
    created = await schedule_meetings(tx, meeting.mdt_id, command)
    booked = await meetings.get(created[0].id)
    assert booked is not None
    return booked


async def require_member(tx: FhirTransaction, mdt_id: str, refusal: str | None = None) -> None:
    """Only the MDT's members (or a system client under its agreement) run its meetings."""
    if tx.principal.kind == "system":
        return
    if not await tx.repository(Teams).is_member(mdt_id, tx.principal.subject):
        raise forbidden(refusal or "Only members of this MDT can do this")
