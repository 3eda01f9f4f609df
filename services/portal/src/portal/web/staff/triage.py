"""The triage clinician's screens: the worklist, a request, and every triage outcome.

The worklist is the services of the clinician's organisation, filtered by service,
priority, state and due, in due order with the breach clock in words. The request page
shows the request, its conversation, the notes of earlier decisions and the triage
history, and one form for every outcome. The form carries the request's version; when
someone else decided first, referrals answers 409/412 and the page says so, shows the
request as it is now and keeps what this clinician typed (never lost).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from carecoord_shared.security.principal import Role
from portal.service.bff import ServiceDown
from portal.service.bff import vocabulary as v
from portal.service.bff.directory import advice_services
from portal.service.bff.requests import load_request
from portal.service.bff.triage import WORKLIST_PAGE, WorklistFilters, decide, worklist
from portal.web.context import Context, Kit, SignedIn
from portal.web.staff.common import Clients, down_part, need_role, not_found, read_part
from portal.web.staff.forms import decision_errors, read_decision

__all__ = ["add_triage_pages"]

_ROLES: tuple[Role, ...] = ("triage-clinician",)
_CURSOR = re.compile(r"[A-Za-z0-9_\-=]{0,200}")  # referrals' paging cursor (base64)
_DUE = {"overdue": "Overdue", "today": "Due by today", "week": "Due within 7 days"}


def _filters(request: Request) -> WorklistFilters:
    query = request.query_params
    return WorklistFilters(
        service=query.get("service", "")[:64],
        priority=query.get("priority", "") if query.get("priority") in v.PRIORITIES else "",
        state=query.get("state", "") if query.get("state") in v.OPEN_STATES else "",
        due=query.get("due", "") if query.get("due") in _DUE else "",
        after=query.get("after", "") if _CURSOR.fullmatch(query.get("after", "")) else "",
    )


async def worklist_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    need_role(request, kit, context, session, _ROLES)
    filters, org = _filters(request), session.user.organisation or ""
    reading = worklist(services.referrals, org, filters, kit.clock())
    values = await read_part("worklist", reading, str(request.url.path))
    return kit.page(
        request, context, "staff/worklist.html", "Triage worklist",
        filters=filters, due_options=_DUE, states=v.OPEN_STATES, labels=v.STATE_LABELS,
        page_size=WORKLIST_PAGE, **values,
    )  # fmt: skip


async def _request_page(
    request: Request, kit: Kit, context: Context, services: Clients, request_id: str,
    status_code: int = 200, **extra: Any,
) -> Response:  # fmt: skip
    try:
        found = await load_request(services.referrals, request_id, kit.clock())
        targets = await advice_services(services.referrals) if found else []
    except ServiceDown as down:
        here = f"/triage/requests/{request_id}"
        return kit.page(
            request, context, "staff/triage_request.html", "Request", 503,
            down=down_part(down.service, here),
        )  # fmt: skip
    if found is None:
        return not_found(request, kit, context)
    title = f"Request {found.request.ubrn}"
    return kit.page(
        request, context, "staff/triage_request.html", title, status_code,
        page=found, targets=[t for t in targets if t.id != found.request.service.split("/")[-1]],
        outcomes=v.OUTCOME_LABELS, provider_outcomes=v.PROVIDER_OUTCOMES,
        reasons=v.REJECTION_REASONS, **extra,
    )  # fmt: skip


async def request_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    request_id: str,
) -> Response:  # fmt: skip
    need_role(request, kit, context, session, _ROLES)
    saved = request.query_params.get("saved", "")
    return await _request_page(
        request, kit, context, services, request_id, saved=v.OUTCOME_LABELS.get(saved, "")
    )


async def record_outcome(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    request_id: str,
) -> Response:  # fmt: skip
    need_role(request, kit, context, session, _ROLES)
    form = await request.form()
    decision, version = read_decision(form), str(form.get("version") or "")
    errors = decision_errors(decision)
    if errors:
        return await _request_page(
            request, kit, context, services, request_id, 400, errors=errors, typed=decision
        )
    try:
        answer = await decide(services.referrals, request_id, version, decision)
    except ServiceDown as down:
        errors = [(f"{down.service} did not answer: your decision was not saved. Try again.", "")]
        return await _request_page(
            request, kit, context, services, request_id, 503, errors=errors, typed=decision
        )
    if answer.result == "saved":
        target = f"/triage/requests/{request_id}?saved={decision.outcome}"
        return RedirectResponse(target, status_code=303)
    if answer.result == "gone":
        return not_found(request, kit, context)
    if answer.result == "conflict":
        return await _request_page(
            request, kit, context, services, request_id, 409, conflict=True, typed=decision
        )
    errors = [(m, "") for m in answer.messages] or [("Referrals refused the decision.", "")]
    return await _request_page(
        request, kit, context, services, request_id, 422, errors=errors, typed=decision
    )


def add_triage_pages(router: APIRouter) -> None:
    router.add_api_route("/triage", worklist_page, methods=["GET"])
    router.add_api_route("/triage/requests/{request_id}", request_page, methods=["GET"])
    router.add_api_route("/triage/requests/{request_id}/outcome", record_outcome, methods=["POST"])
