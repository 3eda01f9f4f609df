"""The GP's advice & guidance screens: ask, follow the practice's requests, reply.

The patient is named by the NHS number typed into the new-request form; it travels in
the form's body only (never in a URL, so never in access logs or history), and every
page after that is addressed by the request's resource id. A request of another
practice looks exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from portal.service.bff import ServiceDown
from portal.service.bff import referrals_vocabulary as v
from portal.service.bff.advice import (
    AdviceRequest,
    nhs_number_problem,
    practice_requests,
    reply,
    submit,
)
from portal.service.bff.directory import advice_services, filter_choices
from portal.service.bff.requests import load_request
from portal.service.bff.triage import Decision, decide
from portal.web.http import add_page
from portal.web.staff.common import Gp, Staff, down_part, read_part
from portal.web.staff.forms import Problem, text

__all__ = ["add_advice_pages"]


async def requests_page(gp: Gp) -> Response:
    values = await read_part(
        "requests", practice_requests(gp.services.referrals, gp.organisation), "/advice"
    )
    return gp.page("staff/advice_list.html", "Your practice's requests", **values)


async def _new_page(gp: Staff, status_code: int = 200, **extra: Any) -> Response:
    specialty, locality = gp.query("specialty", 32), gp.query("locality", 32)
    values: dict[str, Any] = {"specialty": specialty, "locality": locality}
    try:
        everything = await advice_services(gp.services.referrals)
        values["found"] = [
            s for s in everything
            if (not specialty or s.specialty_code == specialty)
            and (not locality or not s.localities or locality in s.localities)
        ]  # fmt: skip
        values |= filter_choices(everything)
    except ServiceDown as down:
        values["down"] = down_part(down.service, "/advice/new")
    title = "Ask for advice and guidance"
    return gp.page("staff/advice_new.html", title, status_code, **(values | extra))


async def new_page(gp: Gp) -> Response:
    return await _new_page(gp)


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


async def send_new(gp: Gp) -> Response:
    raw = await gp.request.form()
    form = {n: text(raw, n) for n in ("service", "nhs_number", "priority", "question")}
    form["conversion"] = "yes" if text(raw, "conversion") == "yes" else ""
    try:
        known = {s.id: s for s in await advice_services(gp.services.referrals)}
        problems = _new_problems(form, set(known))
        if not problems:
            asked = AdviceRequest(
                form["nhs_number"].replace(" ", ""), known[form["service"]], form["priority"],
                form["question"], bool(form["conversion"]),
            )  # fmt: skip
            created, messages = await submit(
                gp.services.referrals, asked, gp.organisation, gp.now()
            )
            if created:
                return RedirectResponse(f"/advice/{created}", status_code=303)
            problems = [(m, "nhs_number") for m in messages]
    except ServiceDown as down:
        problems = [(f"{down.service} did not answer: nothing was sent. Try again.", "service")]
    return await _new_page(gp, 400, errors=problems, typed=form)


async def _gp_request(gp: Staff, request_id: str, status_code: int = 200, **extra: Any) -> Response:
    template = "staff/advice_request.html"
    with gp.down_page(template, "Request", f"/advice/{request_id}"):
        found = await load_request(gp.services.referrals, request_id, gp.now())
    if found is None:
        return gp.not_found()
    title = f"Request {found.request.ubrn}"
    return gp.page(template, title, status_code, page=found, **extra)


async def gp_request_page(gp: Gp, request_id: str) -> Response:
    return await _gp_request(gp, request_id)


async def send_reply(gp: Gp, request_id: str) -> Response:
    answer = text(await gp.request.form(), "reply")
    if not answer:
        problems = [("Enter the information the specialist asked for", "reply")]
        return await _gp_request(gp, request_id, 400, errors=problems)
    try:
        found = await load_request(gp.services.referrals, request_id, gp.now())
        if found is None:
            return gp.not_found()
        refused = await reply(
            gp.services.referrals, found.request, gp.organisation, answer, gp.now()
        )
        problems = [(m, "reply") for m in refused]
    except ServiceDown as down:
        problems = [
            (f"{down.service} did not answer: your reply was not sent. Try again.", "reply")
        ]
    if problems:
        return await _gp_request(gp, request_id, 400, errors=problems, typed=answer)
    return RedirectResponse(f"/advice/{request_id}?sent=1", status_code=303)


async def authorise_conversion(gp: Gp, request_id: str) -> Response:
    version = text(await gp.request.form(), "version", 64)
    try:
        answer = await decide(gp.services.referrals, request_id, version, Decision("converted"))
    except ServiceDown as down:
        problems = [(f"{down.service} did not answer: nothing was changed. Try again.", "")]
        return await _gp_request(gp, request_id, 503, errors=problems)
    if answer.result == "gone":
        return gp.not_found()
    if answer.result != "saved":
        problems = [(m, "") for m in answer.messages] or [("The request changed: look again.", "")]
        return await _gp_request(gp, request_id, 409, errors=problems)
    return RedirectResponse(f"/advice/{request_id}", status_code=303)


def add_advice_pages(router: APIRouter) -> None:
    add_page(router, "/advice", get=requests_page)
    add_page(router, "/advice/new", get=new_page, post=send_new)
    add_page(router, "/advice/{request_id}", get=gp_request_page)
    add_page(router, "/advice/{request_id}/reply", post=send_reply)
    add_page(router, "/advice/{request_id}/authorise-conversion", post=authorise_conversion)
