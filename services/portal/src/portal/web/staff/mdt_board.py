"""The MDT members' actions board: what their MDTs assigned, by owner and due date.

Overdue first, then by due date, completed last; filtered by state, owner and MDT with
a plain GET form (works without JavaScript), so a filtered board is a link one can
share. A member marks an action done (a form that posts and redirects back to the same
filtered board); acknowledging is the owning practice's (the GP's /actions page).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from carecoord_shared.security.principal import Role
from portal.service.bff import ServiceDown
from portal.service.bff.mdt import member_teams
from portal.service.bff.mdt_actions import settle
from portal.service.bff.mdt_board import BOARD_STATES, BoardFilter, team_actions
from portal.web.context import Context, Kit, SignedIn
from portal.web.staff.common import Clients, down_part, need_role, not_found

__all__ = ["add_mdt_board_pages"]

_ROLES: tuple[Role, ...] = ("mdt-member", "gp", "care-coordinator")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def _filter(query: Any) -> BoardFilter:
    state = str(query.get("state", "open"))
    return BoardFilter(
        state=state if state in BOARD_STATES or state == "all" else "open",
        owner=str(query.get("owner", ""))[:200],
        team=str(query.get("team", ""))[:200],
    )


async def _board(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    chosen: BoardFilter, status_code: int = 200, **extra: Any,
) -> Response:  # fmt: skip
    values: dict[str, Any] = {"chosen": chosen, "states": BOARD_STATES}
    try:
        teams = await member_teams(services.mdt, session.user.subject)
        every = await team_actions(services.mdt, teams, kit.clock().date())
    except ServiceDown as down:
        values["down"] = down_part(down.service, "/mdt/actions")
    else:
        values["actions"] = [a for a in every if chosen.keeps(a)]
        values["owners"] = sorted({a.owner for a in every})
        values["teams"] = sorted({t.name for t in teams})
        values["overdue"] = sum(1 for a in every if a.action.overdue)
    values["query"] = urlencode({"state": chosen.state, "owner": chosen.owner, "team": chosen.team})
    title = "Actions board"
    return kit.page(
        request, context, "staff/mdt_board.html", title, status_code, **(values | extra)
    )


async def board_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    need_role(request, kit, context, session, _ROLES)
    done = request.query_params.get("done") == "1"
    chosen = _filter(request.query_params)
    return await _board(request, kit, context, session, services, chosen, done=done)


async def complete_action(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    action_id: str,
) -> Response:  # fmt: skip
    need_role(request, kit, context, session, _ROLES)
    if not _FHIR_ID.fullmatch(action_id):
        return not_found(request, kit, context)
    chosen = _filter(await request.form())
    try:
        changed, problems = await settle(services.mdt, action_id, "complete")
    except ServiceDown as down:
        changed, problems = False, [f"{down.service} did not answer: nothing was changed."]
    if changed:
        query = urlencode({"state": chosen.state, "owner": chosen.owner, "team": chosen.team})
        return RedirectResponse(f"/mdt/actions?{query}&done=1", status_code=303)
    errors = [(m, "") for m in problems]
    return await _board(request, kit, context, session, services, chosen, 409, errors=errors)


def add_mdt_board_pages(router: APIRouter) -> None:
    router.add_api_route("/mdt/actions", board_page, methods=["GET"])
    router.add_api_route("/mdt/actions/{action_id}/complete", complete_action, methods=["POST"])
