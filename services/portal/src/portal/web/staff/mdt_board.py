"""The MDT members' actions board: what their MDTs assigned, by owner and due date.

Overdue first, then by due date, completed last; filtered by state, owner and MDT with
a plain GET form (works without JavaScript), so a filtered board is a link one can
share. A member marks an action done (a form that posts and redirects back to the same
filtered board); acknowledging is the owning practice's (the GP's /actions page).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Response
from fastapi.responses import RedirectResponse

from portal.service.bff import ServiceDown
from portal.service.bff.mdt import member_teams
from portal.service.bff.mdt_actions import settle
from portal.service.bff.mdt_board import BoardFilter, team_actions
from portal.service.bff.mdt_vocabulary import BOARD_STATES
from portal.web.http import add_page
from portal.web.staff.common import Staff, down_part, fhir_ids, staff

__all__ = ["Member", "add_mdt_board_pages"]

Member = Annotated[Staff, Depends(staff("mdt-member", "gp", "care-coordinator"))]


def _filter(query: Any) -> BoardFilter:
    state = str(query.get("state", "open"))
    return BoardFilter(
        state=state if state in BOARD_STATES or state == "all" else "open",
        owner=str(query.get("owner", ""))[:200],
        team=str(query.get("team", ""))[:200],
    )


def _query(chosen: BoardFilter) -> str:
    return urlencode({"state": chosen.state, "owner": chosen.owner, "team": chosen.team})


async def _board(
    member: Staff, chosen: BoardFilter, status_code: int = 200, **extra: Any
) -> Response:
    values: dict[str, Any] = {"chosen": chosen, "states": BOARD_STATES}
    try:
        teams = await member_teams(member.services.mdt, member.subject)
        every = await team_actions(member.services.mdt, teams, member.now().date())
    except ServiceDown as down:
        values["down"] = down_part(down.service, "/mdt/actions")
    else:
        values["actions"] = [a for a in every if chosen.keeps(a)]
        values["owners"] = sorted({a.owner for a in every})
        values["teams"] = sorted({t.name for t in teams})
        values["overdue"] = sum(1 for a in every if a.action.overdue)
    values["query"] = _query(chosen)
    return member.page("staff/mdt_board.html", "Actions board", status_code, **(values | extra))


async def board_page(member: Member) -> Response:
    chosen = _filter(member.request.query_params)
    return await _board(member, chosen, done=member.flag("done"))


async def complete_action(member: Member, action_id: str) -> Response:
    fhir_ids(member, action_id)
    chosen = _filter(await member.request.form())
    try:
        changed, problems = await settle(member.services.mdt, action_id, "complete")
    except ServiceDown as down:
        changed, problems = False, [f"{down.service} did not answer: nothing was changed."]
    if changed:
        return RedirectResponse(f"/mdt/actions?{_query(chosen)}&done=1", status_code=303)
    return await _board(member, chosen, 409, errors=[(m, "") for m in problems])


def add_mdt_board_pages(router: APIRouter) -> None:
    add_page(router, "/mdt/actions", get=board_page)
    add_page(router, "/mdt/actions/{action_id}/complete", post=complete_action)
