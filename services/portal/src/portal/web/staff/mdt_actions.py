"""The GP's view of MDT actions given to their practice, with acknowledge and complete.

Overdue actions first, then by due date; each open one has its buttons (forms that
post and redirect). The mdt service decides whether this practice may change it: an
action of another practice looks exactly like one that does not exist.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from carecoord_shared.security.principal import Role
from portal.service.bff import ServiceDown
from portal.service.bff.mdt_actions import STEPS, practice_actions, settle
from portal.web.context import Context, Kit, SignedIn
from portal.web.staff.common import Clients, need_role, not_found, read_part

__all__ = ["add_mdt_action_pages"]

_ROLES: tuple[Role, ...] = ("gp",)
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_DONE = {"acknowledge": "Acknowledged", "complete": "Marked as done"}


async def _actions_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    status_code: int = 200, **extra: Any,
) -> Response:  # fmt: skip
    practice = session.user.organisation or ""
    reading = practice_actions(services.mdt, practice, kit.clock().date())
    values = await read_part("actions", reading, "/actions")
    title = "MDT actions for your practice"
    return kit.page(
        request, context, "staff/mdt_actions.html", title, status_code, **(values | extra)
    )


async def actions_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    need_role(request, kit, context, session, _ROLES)
    done = _DONE.get(request.query_params.get("done", ""), "")
    return await _actions_page(request, kit, context, session, services, done=done)


async def settle_action(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    action_id: str, step: str,
) -> Response:  # fmt: skip
    need_role(request, kit, context, session, _ROLES)
    if step not in STEPS or not _FHIR_ID.fullmatch(action_id):
        return not_found(request, kit, context)
    try:
        changed, problems = await settle(services.mdt, action_id, step)
    except ServiceDown as down:
        changed = False
        problems = [f"{down.service} did not answer: nothing was changed. Try again."]
    if changed:
        return RedirectResponse(f"/actions?done={step}#action-{action_id}", status_code=303)
    errors = [(m, "") for m in problems]
    return await _actions_page(request, kit, context, session, services, 409, errors=errors)


def add_mdt_action_pages(router: APIRouter) -> None:
    router.add_api_route("/actions", actions_page, methods=["GET"])
    router.add_api_route("/actions/{action_id}/{step}", settle_action, methods=["POST"])
