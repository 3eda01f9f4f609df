"""The paramedic's console: who to ring now, record the call, then the patient summary.

Built for a phone in a patient's home: one short form (specialty and locality, both in
the query string, no patient data), the lines in ringing order with their numbers large
and tappable, and a call form whose NHS number travels in the form body only. The
recorded call is then addressed by its Communication id, and its page shows the
patient's co-ordinator, plan and end-of-life preferences and open requests.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from carecoord_shared.security.principal import Role
from portal.service.bff import ServiceDown
from portal.service.bff.advice import nhs_number_problem
from portal.service.bff.paramedic import (
    CALL_OUTCOMES,
    CallRecord,
    advice_line_services,
    advice_lines,
    call_summary,
    record_call,
)
from portal.web.context import Context, Kit, SignedIn
from portal.web.staff.common import Clients, down_part, need_role, not_found, read_part
from portal.web.staff.forms import Problem, text

__all__ = ["add_paramedic_pages"]

_ROLES: tuple[Role, ...] = ("paramedic",)


async def lines_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    need_role(request, kit, context, session, _ROLES)
    query = request.query_params
    specialty, locality = query.get("specialty", "")[:32], query.get("locality", "")[:32]
    values: dict[str, Any] = {"specialty": specialty, "locality": locality}
    try:
        known = await advice_line_services(services.referrals)
        values["specialties"] = sorted({(s.specialty_code, s.specialty) for s in known})
        values["localities"] = sorted({loc for s in known for loc in s.localities})
        if specialty:
            values["lines"] = await advice_lines(services.referrals, specialty, locality, known)
    except ServiceDown as down:
        values["down"] = down_part(down.service, str(request.url))
    return kit.page(request, context, "staff/paramedic_lines.html", "Who to ring now", **values)


async def _call_form(
    request: Request, kit: Kit, context: Context, services: Clients, status_code: int = 200,
    **extra: Any,
) -> Response:  # fmt: skip
    values: dict[str, Any] = {"outcomes": CALL_OUTCOMES}
    reading = advice_line_services(services.referrals)
    values |= await read_part("lines", reading, "/advice-lines/calls/new")
    query = request.query_params
    values |= {"line": query.get("line", "")[:64], "locality": query.get("locality", "")[:32]}
    values |= extra
    return kit.page(
        request, context, "staff/paramedic_call_new.html", "Record a call", status_code, **values
    )


async def new_call_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    need_role(request, kit, context, session, _ROLES)
    return await _call_form(request, kit, context, services)


def _call_problems(call: CallRecord) -> list[Problem]:
    problems: list[Problem] = []
    if not call.line_id:
        problems.append(("Choose the advice line you rang", "line"))
    nhs = nhs_number_problem(call.nhs_number)
    if nhs:
        problems.append((nhs, "nhs_number"))
    if call.outcome not in CALL_OUTCOMES:
        problems.append(("Choose what happened to the patient", "outcome"))
    return problems


async def record_call_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    need_role(request, kit, context, session, _ROLES)
    form = await request.form()
    call = CallRecord(
        text(form, "line", 64), text(form, "nhs_number", 16).replace(" ", ""),
        text(form, "outcome", 32), text(form, "note"), form.get("follow_up") == "yes",
        text(form, "locality", 32),
    )  # fmt: skip
    errors = _call_problems(call)
    try:
        call_id, refused = (None, []) if errors else await record_call(services.referrals, call)
    except ServiceDown as down:
        call_id, refused = None, [f"{down.service} did not answer: the call was not recorded."]
    if call_id:
        return RedirectResponse(f"/advice-lines/calls/{call_id}", status_code=303)
    errors += [(message, "") for message in refused]
    return await _call_form(
        request, kit, context, services, 400 if refused == [] else 422,
        errors=errors, typed=call, line=call.line_id,
    )  # fmt: skip


async def call_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    call_id: str,
) -> Response:  # fmt: skip
    need_role(request, kit, context, session, _ROLES)
    try:
        summary = await call_summary(services.referrals, call_id)
    except ServiceDown as down:
        here = f"/advice-lines/calls/{call_id}"
        return kit.page(
            request, context, "staff/paramedic_call.html", "Advice call", 503,
            down=down_part(down.service, here),
        )  # fmt: skip
    if summary is None:
        return not_found(request, kit, context)
    return kit.page(request, context, "staff/paramedic_call.html", "Advice call", call=summary)


def add_paramedic_pages(router: APIRouter) -> None:
    router.add_api_route("/advice-lines", lines_page, methods=["GET"])
    router.add_api_route("/advice-lines/calls/new", new_call_page, methods=["GET"])
    router.add_api_route("/advice-lines/calls/new", record_call_page, methods=["POST"])
    router.add_api_route("/advice-lines/calls/{call_id}", call_page, methods=["GET"])
