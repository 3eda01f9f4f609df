"""An MDT member's use cases, as calls to the mdt service with their own token.

"My MDTs" is the CareTeam search by the member's SDS user id; each MDT's upcoming
meetings are its booked Appointments; a meeting's case list is the List the mdt
service keeps for it (found by the meeting's identifier, members only: the service
answers a non-member exactly as an unknown meeting), and its cases are the case Tasks
the List names, read in one search, in the List's order. Nothing is read from the mdt
service's database.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime

from carecoord_shared.fhir.identifiers import SDS_USER_SYSTEM
from portal.service.bff.client import FhirClient, FhirReply, Json
from portal.service.bff.mdt_shapes import (
    CaseView,
    MeetingPage,
    MeetingView,
    TeamView,
    case_view,
    meeting_view,
    team_view,
)
from portal.service.bff.mdt_vocabulary import MDT_CODES, MEETING_ID
from portal.service.bff.shapes import identifier_value

__all__ = [
    "MeetingCase",
    "hold_meeting",
    "load_meeting",
    "load_meeting_case",
    "member_teams",
    "my_teams",
]


async def my_teams(api: FhirClient, user_id: str, now: datetime) -> list[TeamView]:
    """The active MDTs the person is a member of, each with its upcoming meetings."""
    teams = await member_teams(api, user_id)
    for team in teams:
        team.meetings.extend(await _meetings(api, team.id, now))
    return teams


async def member_teams(api: FhirClient, user_id: str) -> list[TeamView]:
    """The active MDTs the person is a member of."""
    reply = await api.get(
        "CareTeam",
        [
            ("participant:identifier", f"{SDS_USER_SYSTEM}|{user_id}"),
            ("status", "active"),
            ("_count", "50"),
        ],
    )
    return [team_view(t, user_id) for t in reply.resources("CareTeam")]


async def _meetings(api: FhirClient, team_id: str, now: datetime) -> list[MeetingView]:
    reply = await api.get(
        "Appointment",
        [
            ("supporting-info", f"CareTeam/{team_id}"),
            ("date", f"ge{now.date().isoformat()}"),
            ("_sort", "date"),
            ("_count", "12"),
        ],
    )
    return [meeting_view(a) for a in reply.resources("Appointment")]


def _listed(case_list: Json) -> dict[str, bool]:
    """The case ids of a case List in its order, each with its ready flag."""
    flags: dict[str, bool] = {}
    for entry in case_list.get("entry", []):
        reference = str((entry.get("item") or {}).get("reference") or "")
        codes = [c.get("code") for c in (entry.get("flag") or {}).get("coding", [])]
        flags[reference.removeprefix("Task/")] = "not-ready" not in codes
    return flags


async def _cases(api: FhirClient, flags: dict[str, bool]) -> list[CaseView]:
    if not flags:
        return []
    reply = await api.get("Task", [("_id", ",".join(flags)), ("_count", str(len(flags)))])
    found = {t["id"]: t for t in reply.resources("Task")}
    return [case_view(found[i], flags[i]) for i in flags if i in found]


async def _meeting(
    api: FhirClient, meeting_id: str, user_id: str, case_id: str = ""
) -> tuple[MeetingPage, dict[str, bool], FhirReply | None] | None:
    """The meeting (no case read yet), its listed case ids and, with `case_id`, that
    case read at the same time; None when the person may not see the meeting (the mdt
    service answers that exactly as an unknown meeting). The meeting comes with its MDT
    and its attendance (the Encounter of the meeting held) in one search; the case list
    is a search of its own (a List has no reference to include it by)."""
    about = [
        ("_id", meeting_id),
        ("_include", "Appointment:supporting-info"),
        ("_revinclude", "Encounter:appointment"),
    ]
    query = [("identifier", f"{MEETING_ID}|{meeting_id}"), ("code", f"{MDT_CODES}|mdt-case-list")]
    calls = [api.get("Appointment", about), api.get("List", query)]
    replies = await asyncio.gather(*calls, *([api.get(f"Task/{case_id}")] if case_id else []))
    reply, lists = replies[0], replies[1]
    found = reply.resources("Appointment")
    if not found:
        return None
    meeting = meeting_view(found[0])
    teams = [t for t in reply.resources("CareTeam") if t.get("id") == meeting.team_id]
    team = team_view(teams[0], user_id) if teams else None
    if team is None or not team.is_member:
        return None
    case_lists = lists.resources("List")
    attended = _attendance(reply.resources("Encounter"))
    page = MeetingPage(meeting, team, [], assembled=bool(case_lists), attended=attended)
    return page, _listed(case_lists[0]) if case_lists else {}, replies[2] if case_id else None


async def load_meeting(api: FhirClient, meeting_id: str, user_id: str) -> MeetingPage | None:
    """The meeting, its MDT and its cases in the list's order, read in one search; None
    when the person may not see it."""
    found = await _meeting(api, meeting_id, user_id)
    if found is None:
        return None
    page, listed, _ = found
    return replace(page, cases=await _cases(api, listed))


@dataclass(frozen=True, slots=True)
class MeetingCase:
    """Meeting mode: the meeting (its other cases known by their place on the list
    only, never read) and this case as it is now, with its version."""

    page: MeetingPage
    case: CaseView
    listed: tuple[str, ...]

    @property
    def index(self) -> int:
        return self.listed.index(self.case.id)

    def neighbours(self) -> dict[str, str | None]:
        at = self.index
        return {
            "previous": self.listed[at - 1] if at > 0 else None,
            "next": self.listed[at + 1] if at + 1 < len(self.listed) else None,
        }


async def load_meeting_case(
    api: FhirClient, meeting_id: str, case_id: str, user_id: str
) -> MeetingCase | None:
    """One case of a meeting, or None when the meeting or the case (on its list) may
    not be seen: the meeting, its list and the case are read at once."""
    found = await _meeting(api, meeting_id, user_id, case_id)
    if found is None:
        return None
    page, listed, read = found
    if case_id not in listed or read is None or not read.ok:
        return None
    if read.body.get("resourceType") != "Task":
        return None
    return MeetingCase(page, case_view(read.body, listed[case_id], read.etag), tuple(listed))


def _attendance(held: list[Json]) -> tuple[str, ...] | None:
    """Who was at the meeting, once it is held (its Encounter); None before."""
    if not held:
        return None
    people = [p.get("individual") or {} for p in held[0].get("participant", [])]
    return tuple(identifier_value(p) for p in people)


async def hold_meeting(api: FhirClient, meeting_id: str, attendees: list[str]) -> list[str]:
    """`$record-attendance`: the meeting is held with these members; the problems, if any."""
    body = {
        "resourceType": "Parameters",
        "parameter": [{"name": "attendee", "valueString": user} for user in attendees],
    }
    reply = await api.post(f"Appointment/{meeting_id}/$record-attendance", body)
    return [] if reply.ok else [m for m in reply.issues() if m] or ["Attendance was not saved"]
