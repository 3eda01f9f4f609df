"""The GP's view of MDT actions given to their practice, with acknowledge and complete.

Overdue actions first, then by due date; each open one has its buttons (forms that
post and redirect). The mdt service decides whether this practice may change it: an
action of another practice looks exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from portal.service.bff import ServiceDown
from portal.service.bff.mdt_actions import STEPS, practice_actions, settle
from portal.web.http import add_page
from portal.web.staff.common import Gp, Staff, fhir_ids, read_part

__all__ = ["add_mdt_action_pages"]

_DONE = {"acknowledge": "Acknowledged", "complete": "Marked as done"}


async def _actions_page(gp: Staff, status_code: int = 200, **extra: Any) -> Response:
    reading = practice_actions(gp.services.mdt, gp.organisation, gp.now().date())
    values = await read_part("actions", reading, "/actions")
    title = "MDT actions for your practice"
    return gp.page("staff/mdt_actions.html", title, status_code, **(values | extra))


async def actions_page(gp: Gp) -> Response:
    return await _actions_page(gp, done=_DONE.get(gp.query("done", 16), ""))


async def settle_action(gp: Gp, action_id: str, step: str) -> Response:
    if step not in STEPS:
        return gp.not_found()
    fhir_ids(gp, action_id)
    try:
        changed, problems = await settle(gp.services.mdt, action_id, step)
    except ServiceDown as down:
        changed = False
        problems = [f"{down.service} did not answer: nothing was changed. Try again."]
    if changed:
        return RedirectResponse(f"/actions?done={step}#action-{action_id}", status_code=303)
    return await _actions_page(gp, 409, errors=[(m, "") for m in problems])


def add_mdt_action_pages(router: APIRouter) -> None:
    add_page(router, "/actions", get=actions_page)
    add_page(router, "/actions/{action_id}/{step}", post=settle_action)
