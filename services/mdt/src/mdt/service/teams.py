"""MDT teams and their meetings.

A CareTeam write (the kernel's REST create/update) runs `record_team` inside its
transaction: the team's membership rows are rewritten, and members who joined get the
'mdt' relationship with the patients already on the team's open cases (members who
left lose it unless another MDT of theirs has the patient listed). Meetings are
scheduled by `$schedule-meetings`, monthly by default (DOMAIN.md: "Monthly MDT
meetings carried out to a consistent format").
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.outcome import JsonObject, business_rule, forbidden
from carecoord_shared.fhir.registry import Change, WriteContext
from carecoord_shared.security import access
from mdt.domain.commands import ScheduleMeetings
from mdt.domain.model import add_months, capacity
from mdt.service import resources
from mdt.service.transaction import ServiceTransaction
from mdt.store import cases, teams
from mdt.store.team_fhir import team_from_fhir, team_issues
from mdt.store.teams import MeetingRow

__all__ = [
    "following_meeting",
    "record_team",
    "require_member",
    "schedule_meetings",
    "team_issues",
]


async def record_team(context: WriteContext, change: Change) -> None:
    conn = context.conn
    before = set(await teams.members(conn, change.id))
    principal = context.principal
    if change.kind != "create" and principal.kind != "system" and principal.subject not in before:
        raise forbidden("Only members of this MDT can change it")
    if change.resource is None:
        shape = team_from_fhir(change.id, change.previous or {}, active=False)
        await teams.save_team(conn, shape.team, shape.name, [])
    else:
        shape = team_from_fhir(change.id, change.resource)
        await teams.save_team(conn, shape.team, shape.name, shape.members)
    after = {m.user_id for m in (shape.members if change.resource is not None else [])}
    patients = await cases.open_cases_of_team(conn, change.id)
    for patient in patients:
        for user in sorted(after - before):
            await access.grant(conn, patient, "user", user, "mdt")
        for user in sorted(before - after):
            await _end_unless_listed_elsewhere(conn, patient, user)


async def _end_unless_listed_elsewhere(conn: AsyncConnection, patient: str, user: str) -> None:
    for mdt_id in await teams.teams_of(conn, user):
        if await cases.open_case(conn, mdt_id, patient) is not None:
            return
    await access.end_grant(conn, patient, "user", user, "mdt")


async def schedule_meetings(
    tx: ServiceTransaction, mdt_id: str, command: ScheduleMeetings
) -> list[JsonObject]:
    """Book `count` meetings, `interval_months` apart, from `first_start`."""
    await tx.read("CareTeam", mdt_id, lock=True)
    team = await teams.team(tx.conn, mdt_id)
    if team is None or not team.active:
        raise business_rule("This MDT is not active: it cannot hold meetings")
    places = capacity(command.duration_minutes, command.minutes_per_case)
    booked = []
    for index in range(command.count):
        start = add_months(command.first_start, index * command.interval_months)
        end = start + timedelta(minutes=command.duration_minutes)
        body = resources.appointment(mdt_id, start, end, command.duration_minutes, places)
        stored, _ = await tx.create("Appointment", body)
        meeting = MeetingRow(
            stored.id,
            mdt_id,
            start,
            command.duration_minutes,
            command.minutes_per_case,
            None,
            "booked",
        )
        await teams.add_meeting(tx.conn, meeting)
        booked.append(stored.as_json())
    return booked


async def following_meeting(
    tx: ServiceTransaction, meeting: MeetingRow, interval_months: int
) -> MeetingRow:
    """The MDT's next booked meeting after `meeting`, booked on the schedule if none is."""
    found = await teams.next_meeting(tx.conn, meeting.mdt_id, meeting.starts_at)
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
    booked = await teams.meeting(tx.conn, str(created[0]["id"]))
    assert booked is not None
    return booked


async def require_member(tx: ServiceTransaction, mdt_id: str) -> None:
    """Only the MDT's members (or a system client under its agreement) run its meetings."""
    if tx.principal.kind == "system":
        return
    if not await teams.is_member(tx.conn, mdt_id, tx.principal.subject):
        raise forbidden("Only members of this MDT can do this")
