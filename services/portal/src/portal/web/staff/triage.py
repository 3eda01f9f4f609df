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
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from portal.service.bff import ServiceDown
from portal.service.bff import referrals_vocabulary as v
from portal.service.bff.directory import advice_services
from portal.service.bff.requests import load_request
from portal.service.bff.triage import WORKLIST_PAGE, WorklistFilters, decide, worklist
from portal.web.http import add_page
from portal.web.staff.common import Staff, answered, read_part, staff
from portal.web.staff.forms import decision_errors, read_decision

__all__ = ["add_triage_pages"]

Clinician = Annotated[Staff, Depends(staff("triage-clinician"))]
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


async def worklist_page(clinician: Clinician) -> Response:
    filters = _filters(clinician.request)
    reading = worklist(
        clinician.services.referrals, clinician.organisation, filters, clinician.now()
    )
    values = await read_part("worklist", reading, str(clinician.request.url.path))
    return clinician.page(
        "staff/worklist.html", "Triage worklist",
        filters=filters, due_options=_DUE, states=v.OPEN_STATES, labels=v.STATE_LABELS,
        page_size=WORKLIST_PAGE, **values,
    )  # fmt: skip


async def _request_page(
    clinician: Staff, request_id: str, status_code: int = 200, **extra: Any
) -> Response:
    template, referrals = "staff/triage_request.html", clinician.services.referrals
    with clinician.down_page(template, "Request", f"/triage/requests/{request_id}"):
        found = await load_request(referrals, request_id, clinician.now())
        targets = await advice_services(referrals) if found else []
    if found is None:
        return clinician.not_found()
    title = f"Request {found.request.ubrn}"
    return clinician.page(
        template, title, status_code,
        page=found, targets=[t for t in targets if t.id != found.request.service.split("/")[-1]],
        outcomes=v.OUTCOME_LABELS,
        outcome_choices={code: v.OUTCOME_LABELS[code] for code in v.PROVIDER_OUTCOMES},
        reasons=v.REJECTION_REASONS, **extra,
    )  # fmt: skip


async def request_page(clinician: Clinician, request_id: str) -> Response:
    saved = v.OUTCOME_LABELS.get(clinician.query("saved", 64), "")
    return await _request_page(clinician, request_id, saved=saved)


async def record_outcome(clinician: Clinician, request_id: str) -> Response:
    form = await clinician.request.form()
    decision, version = read_decision(form), str(form.get("version") or "")
    errors, again = decision_errors(decision), partial(_request_page, clinician, request_id)
    if errors:
        return await again(400, errors=errors, typed=decision)
    try:
        answer = await decide(clinician.services.referrals, request_id, version, decision)
    except ServiceDown as down:
        errors = [(f"{down.service} did not answer: your decision was not saved. Try again.", "")]
        return await again(503, errors=errors, typed=decision)
    target = f"/triage/requests/{request_id}?saved={decision.outcome}"
    refused = "Referrals refused the decision."
    return await answered(
        clinician, answer.result, answer.messages, again, target, refused, typed=decision
    )


def add_triage_pages(router: APIRouter) -> None:
    add_page(router, "/triage", get=worklist_page)
    add_page(router, "/triage/requests/{request_id}", get=request_page)
    add_page(router, "/triage/requests/{request_id}/outcome", post=record_outcome)
