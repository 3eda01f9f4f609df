"""The GP's advice & guidance screens: ask, follow the practice's requests, reply.

The patient is named by the NHS number typed into the new-request form; it travels in
the form's body only (never in a URL, so never in access logs or history), and every
page after that is addressed by the request's resource id. A request of another
practice looks exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from carecoord_shared.security.principal import Role
from portal.service.bff import ServiceDown
from portal.service.bff import vocabulary as v
from portal.service.bff.advice import (
    AdviceRequest,
    nhs_number_problem,
    practice_requests,
    reply,
    submit,
)
from portal.service.bff.directory import advice_services
from portal.service.bff.requests import load_request
from portal.service.bff.triage import Decision, decide
from portal.web.context import Context, Kit, SignedIn
from portal.web.staff.common import Clients, down_part, need_role, not_found, read_part
from portal.web.staff.forms import Problem, text

__all__ = ["add_advice_pages"]

_ROLES: tuple[Role, ...] = ("gp",)


async def requests_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    need_role(request, kit, context, session, _ROLES)
    org = session.user.organisation or ""
    values = await read_part("requests", practice_requests(services.referrals, org), "/advice")
    return kit.page(
        request, context, "staff/advice_list.html", "Your practice's requests", **values
    )


async def _new_page(
    request: Request, kit: Kit, context: Context, services: Clients, status_code: int = 200,
    **extra: Any,
) -> Response:  # fmt: skip
    specialty = request.query_params.get("specialty", "")[:32]
    locality = request.query_params.get("locality", "")[:32]
    values: dict[str, Any] = {"specialty": specialty, "locality": locality}
    try:
        everything = await advice_services(services.referrals)
        values["found"] = [
            s for s in everything
            if (not specialty or s.specialty_code == specialty)
            and (not locality or not s.localities or locality in s.localities)
        ]  # fmt: skip
        values["specialties"] = sorted({(s.specialty_code, s.specialty) for s in everything})
        values["localities"] = sorted({loc for s in everything for loc in s.localities})
    except ServiceDown as down:
        values["down"] = down_part(down.service, "/advice/new")
    title = "Ask for advice and guidance"
    return kit.page(
        request, context, "staff/advice_new.html", title, status_code, **(values | extra)
    )


async def new_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    need_role(request, kit, context, session, _ROLES)
    return await _new_page(request, kit, context, services)


def _new_problems(form: dict[str, str], known: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    if form["service"] not in known:
        problems.append(("Choose the service to ask", "service"))
    nhs_problem = nhs_number_problem(form["nhs_number"])
    if nhs_problem:
        problems.append((nhs_problem, "nhs_number"))
    if form["priority"] not in v.PRIORITIES:
        problems.append(("Choose how urgent the request is", "priority"))
    if not form["question"]:
        problems.append(("Enter your question for the specialist", "question"))
    return problems


async def send_new(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    need_role(request, kit, context, session, _ROLES)
    raw = await request.form()
    form = {n: text(raw, n) for n in ("service", "nhs_number", "priority", "question")}
    form["conversion"] = "yes" if text(raw, "conversion") == "yes" else ""
    try:
        known = {s.id: s for s in await advice_services(services.referrals)}
        problems = _new_problems(form, set(known))
        if not problems:
            asked = AdviceRequest(
                form["nhs_number"].replace(" ", ""), known[form["service"]], form["priority"],
                form["question"], bool(form["conversion"]),
            )  # fmt: skip
            org = session.user.organisation or ""
            created, messages = await submit(services.referrals, asked, org, kit.clock())
            if created:
                return RedirectResponse(f"/advice/{created}", status_code=303)
            problems = [(m, "nhs_number") for m in messages]
    except ServiceDown as down:
        problems = [(f"{down.service} did not answer: nothing was sent. Try again.", "service")]
    return await _new_page(request, kit, context, services, 400, errors=problems, typed=form)


async def _gp_request(
    request: Request, kit: Kit, context: Context, services: Clients, request_id: str,
    status_code: int = 200, **extra: Any,
) -> Response:  # fmt: skip
    try:
        found = await load_request(services.referrals, request_id, kit.clock())
    except ServiceDown as down:
        here = f"/advice/{request_id}"
        return kit.page(
            request, context, "staff/advice_request.html", "Request", 503,
            down=down_part(down.service, here),
        )  # fmt: skip
    if found is None:
        return not_found(request, kit, context)
    return kit.page(
        request, context, "staff/advice_request.html", f"Request {found.request.ubrn}",
        status_code, page=found, **extra,
    )  # fmt: skip


async def gp_request_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    request_id: str,
) -> Response:  # fmt: skip
    need_role(request, kit, context, session, _ROLES)
    return await _gp_request(request, kit, context, services, request_id)


async def send_reply(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    request_id: str,
) -> Response:  # fmt: skip
    need_role(request, kit, context, session, _ROLES)
    answer = text(await request.form(), "reply")
    if not answer:
        problems = [("Enter the information the specialist asked for", "reply")]
        return await _gp_request(request, kit, context, services, request_id, 400, errors=problems)
    try:
        found = await load_request(services.referrals, request_id, kit.clock())
        if found is None:
            return not_found(request, kit, context)
        org = session.user.organisation or ""
        problems = [
            (m, "reply")
            for m in await reply(services.referrals, found.request, org, answer, kit.clock())
        ]
    except ServiceDown as down:
        problems = [
            (f"{down.service} did not answer: your reply was not sent. Try again.", "reply")
        ]
    if problems:
        return await _gp_request(
            request, kit, context, services, request_id, 400, errors=problems, typed=answer
        )
    return RedirectResponse(f"/advice/{request_id}?sent=1", status_code=303)


async def authorise_conversion(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    request_id: str,
) -> Response:  # fmt: skip
    need_role(request, kit, context, session, _ROLES)
    version = text(await request.form(), "version", 64)
    try:
        answer = await decide(services.referrals, request_id, version, Decision("converted"))
    except ServiceDown as down:
        problems = [(f"{down.service} did not answer: nothing was changed. Try again.", "")]
        return await _gp_request(request, kit, context, services, request_id, 503, errors=problems)
    if answer.result == "gone":
        return not_found(request, kit, context)
    if answer.result != "saved":
        problems = [(m, "") for m in answer.messages] or [("The request changed: look again.", "")]
        return await _gp_request(request, kit, context, services, request_id, 409, errors=problems)
    return RedirectResponse(f"/advice/{request_id}", status_code=303)


def add_advice_pages(router: APIRouter) -> None:
    router.add_api_route("/advice", requests_page, methods=["GET"])
    router.add_api_route("/advice/new", new_page, methods=["GET"])
    router.add_api_route("/advice/new", send_new, methods=["POST"])
    router.add_api_route("/advice/{request_id}", gp_request_page, methods=["GET"])
    router.add_api_route("/advice/{request_id}/reply", send_reply, methods=["POST"])
    router.add_api_route(
        "/advice/{request_id}/authorise-conversion", authorise_conversion, methods=["POST"]
    )
