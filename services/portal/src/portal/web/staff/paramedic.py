"""The paramedic's console: who to ring now, record the call, then the patient summary.

Built for a phone in a patient's home: one short form (specialty and locality, both in
the query string, no patient data), the lines in ringing order with their numbers large
and tappable, and a call form whose NHS number travels in the form body only. The
recorded call is then addressed by its Communication id, and its page shows the
patient's co-ordinator, plan and end-of-life preferences and open requests.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import RedirectResponse

from portal.service.bff import ServiceDown
from portal.service.bff import referrals_vocabulary as v
from portal.service.bff.advice import nhs_number_problem
from portal.service.bff.directory import filter_choices
from portal.service.bff.paramedic import (
    CallRecord,
    advice_line_services,
    advice_lines,
    call_summary,
    record_call,
)
from portal.web.http import add_page
from portal.web.staff.common import Staff, down_part, read_part, staff
from portal.web.staff.forms import Problem, text

__all__ = ["add_paramedic_pages"]

Paramedic = Annotated[Staff, Depends(staff("paramedic"))]


async def lines_page(paramedic: Paramedic) -> Response:
    specialty, locality = paramedic.query("specialty", 32), paramedic.query("locality", 32)
    values: dict[str, Any] = {"specialty": specialty, "locality": locality}
    referrals = paramedic.services.referrals
    try:
        known = await advice_line_services(referrals)
        values |= filter_choices(known)
        if specialty:
            values["lines"] = await advice_lines(referrals, specialty, locality, known)
    except ServiceDown as down:
        values["down"] = down_part(down.service, str(paramedic.request.url))
    return paramedic.page("staff/paramedic_lines.html", "Who to ring now", **values)


async def _call_form(paramedic: Staff, status_code: int = 200, **extra: Any) -> Response:
    values: dict[str, Any] = {"outcomes": v.CALL_OUTCOMES}
    reading = advice_line_services(paramedic.services.referrals)
    values |= await read_part("lines", reading, "/advice-lines/calls/new")
    values |= {"line": paramedic.query("line", 64), "locality": paramedic.query("locality", 32)}
    values |= extra
    return paramedic.page("staff/paramedic_call_new.html", "Record a call", status_code, **values)


async def new_call_page(paramedic: Paramedic) -> Response:
    return await _call_form(paramedic)


def _call_problems(call: CallRecord) -> list[Problem]:
    problems: list[Problem] = []
    if not call.line_id:
        problems.append(("Choose the advice line you rang", "line"))
    nhs = nhs_number_problem(call.nhs_number)
    if nhs:
        problems.append((nhs, "nhs_number"))
    if call.outcome not in v.CALL_OUTCOMES:
        problems.append(("Choose what happened to the patient", "outcome"))
    return problems


async def record_call_page(paramedic: Paramedic) -> Response:
    form = await paramedic.request.form()
    call = CallRecord(
        text(form, "line", 64), text(form, "nhs_number", 16).replace(" ", ""),
        text(form, "outcome", 32), text(form, "note"), form.get("follow_up") == "yes",
        text(form, "locality", 32),
    )  # fmt: skip
    errors = _call_problems(call)
    try:
        call_id, refused = (
            (None, []) if errors else await record_call(paramedic.services.referrals, call)
        )
    except ServiceDown as down:
        call_id, refused = None, [f"{down.service} did not answer: the call was not recorded."]
    if call_id:
        return RedirectResponse(f"/advice-lines/calls/{call_id}", status_code=303)
    errors += [(message, "") for message in refused]
    status = 400 if refused == [] else 422
    return await _call_form(paramedic, status, errors=errors, typed=call, line=call.line_id)


async def call_page(paramedic: Paramedic, call_id: str) -> Response:
    template, title = "staff/paramedic_call.html", "Advice call"
    with paramedic.down_page(template, title, f"/advice-lines/calls/{call_id}"):
        summary = await call_summary(paramedic.services.referrals, call_id)
    if summary is None:
        return paramedic.not_found()
    return paramedic.page(template, title, call=summary)


def add_paramedic_pages(router: APIRouter) -> None:
    add_page(router, "/advice-lines", get=lines_page)
    add_page(router, "/advice-lines/calls/new", get=new_call_page, post=record_call_page)
    add_page(router, "/advice-lines/calls/{call_id}", get=call_page)
