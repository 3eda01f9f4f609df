"""Live updates of the MDT pages (issue 10): the meeting page, the members' actions board
and the GP's actions page.

As for requests (`web.staff.live`), a stream is opened only when the mdt service answers
what the page shows to this user's own token, and it carries references only:

- a meeting's stream watches the meeting and its MDT (a case listed, a list assembled,
  an action acknowledged or done name both, an outcome recorded names the MDT), for a
  member of that MDT;
- the actions board's stream watches every MDT the member belongs to;
- a GP's actions stream watches their own practice by its ODS code (an action assigned
  to it or overdue names it); the practice is the session's, never a parameter.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from carecoord_shared.fhir.identifiers import ODS_SYSTEM
from portal.service.bff.mdt import load_meeting, member_teams
from portal.service.bff.mdt_vocabulary import MDT_CODES
from portal.web.http import add_page
from portal.web.staff.common import Gp, StaffClients, fhir_ids
from portal.web.staff.live import stream_when
from portal.web.staff.mdt_board import Member

__all__ = ["add_live_mdt_routes"]


async def _meeting(services: StaffClients, meeting_id: str, user: str) -> list[str]:
    found = await load_meeting(services.mdt, meeting_id, user)
    return [f"Appointment/{meeting_id}", f"CareTeam/{found.team.id}"] if found else []


async def meeting_stream(member: Member, meeting_id: str) -> Response:
    """A case listed, the list assembled, an outcome recorded or an action acknowledged
    or done, for a member of the meeting's MDT."""
    fhir_ids(member, meeting_id)
    return await stream_when(member, _meeting(member.services, meeting_id, member.subject))


async def _practice(services: StaffClients, practice: str) -> list[str]:
    query = [
        ("code", f"{MDT_CODES}|mdt-action"),
        ("owner:identifier", f"{ODS_SYSTEM}|{practice}"),
        ("_count", "1"),
    ]
    readable = bool(practice) and (await services.mdt.get("Task", query)).ok
    return [f"Organization/{practice}"] if readable else []


async def actions_stream(gp: Gp) -> Response:
    """Actions given to the GP's own practice, once mdt lists them to this GP."""
    return await stream_when(gp, _practice(gp.services, gp.organisation))


async def _teams(services: StaffClients, user: str) -> list[str]:
    return [f"CareTeam/{team.id}" for team in await member_teams(services.mdt, user)]


async def board_stream(member: Member) -> Response:
    """The member's MDTs (those mdt lists to this user), for their actions board: an
    outcome with new actions names the MDT, as does an action acknowledged or done."""
    return await stream_when(member, _teams(member.services, member.subject))


def add_live_mdt_routes(router: APIRouter) -> None:
    add_page(router, "/live/mdt/meetings/{meeting_id}", get=meeting_stream)
    add_page(router, "/live/mdt/actions", get=board_stream)
    add_page(router, "/live/actions", get=actions_stream)
