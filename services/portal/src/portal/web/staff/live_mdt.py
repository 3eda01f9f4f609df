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

import re

from fastapi import APIRouter, Request, Response

from carecoord_shared.security.principal import Role
from portal.service.bff.mdt import load_meeting, member_teams
from portal.service.bff.mdt_shapes import MDT_CODES
from portal.service.bff.vocabulary import ODS_SYSTEM
from portal.web.context import Context, Kit, SignedIn
from portal.web.staff.common import Clients, need_role, not_found
from portal.web.staff.live import stream_when

__all__ = ["add_live_mdt_routes"]

_MEETING_ROLES: tuple[Role, ...] = ("mdt-member", "gp", "care-coordinator")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


async def _meeting(services: Clients, meeting_id: str, user: str) -> list[str]:
    found = await load_meeting(services.mdt, meeting_id, user)
    return [f"Appointment/{meeting_id}", f"CareTeam/{found.team.id}"] if found else []


async def meeting_stream(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    meeting_id: str,
) -> Response:  # fmt: skip
    """A case listed, the list assembled, an outcome recorded or an action acknowledged
    or done, for a member of the meeting's MDT."""
    need_role(request, kit, context, session, _MEETING_ROLES)
    if not _FHIR_ID.fullmatch(meeting_id):
        return not_found(request, kit, context)
    watched = _meeting(services, meeting_id, session.user.subject)
    return await stream_when(request, kit, context, watched)


async def _practice(services: Clients, practice: str) -> list[str]:
    query = [
        ("code", f"{MDT_CODES}|mdt-action"),
        ("owner:identifier", f"{ODS_SYSTEM}|{practice}"),
        ("_count", "1"),
    ]
    readable = bool(practice) and (await services.mdt.get("Task", query)).ok
    return [f"Organization/{practice}"] if readable else []


async def actions_stream(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    """Actions given to the GP's own practice, once mdt lists them to this GP."""
    need_role(request, kit, context, session, ("gp",))
    practice = session.user.organisation or ""
    return await stream_when(request, kit, context, _practice(services, practice))


async def _teams(services: Clients, user: str) -> list[str]:
    return [f"CareTeam/{team.id}" for team in await member_teams(services.mdt, user)]


async def board_stream(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    """The member's MDTs (those mdt lists to this user), for their actions board: an
    outcome with new actions names the MDT, as does an action acknowledged or done."""
    need_role(request, kit, context, session, _MEETING_ROLES)
    return await stream_when(request, kit, context, _teams(services, session.user.subject))


def add_live_mdt_routes(router: APIRouter) -> None:
    router.add_api_route("/live/mdt/meetings/{meeting_id}", meeting_stream, methods=["GET"])
    router.add_api_route("/live/mdt/actions", board_stream, methods=["GET"])
    router.add_api_route("/live/actions", actions_stream, methods=["GET"])
