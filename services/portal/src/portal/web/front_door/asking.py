"""`/requests/new`: a signed-in patient (P5 or above) asks for help.

The request is screened, routed and kept in one step (`front_door_requests.submit`);
the answer page explains the route. Bad input re-shows the form with each problem
named; even then, a red flag in the text is never dropped: its advice is shown.
"""

from __future__ import annotations

import re
import uuid

from fastapi import Request, Response
from starlette.datastructures import FormData

from portal.service.front_door_requests import Submission, submit
from portal.service.front_door_routing import InputProblem, RouteInput, problems_with, route_now
from portal.web.context import Context, Kit, SignedIn
from portal.web.front_door.common import (
    front_door,
    level_refusal,
    now,
    patient_at,
    portal_context,
)

__all__ = ["ask", "ask_form"]

_TITLE = "Ask for help"
_FORM_ID = re.compile(r"[0-9a-f]{32}")
_OUT_OF_DATE = InputProblem(
    "text", "This form was out of date, so we have not sent it. Check it and select send."
)
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{8,18}[0-9]")
_BAD_PHONE = InputProblem(
    "phone", "Enter a UK phone number, like 07700 900 982 or 01632 960 001, or leave it empty"
)


def _phone(form: FormData) -> tuple[str, list[InputProblem]]:
    """The callback number the patient gave (optional; 10 to 13 digits when given)."""
    phone = " ".join(str(form.get("phone") or "").split())
    digits = sum(c.isdigit() for c in phone)
    usable = not phone or (_PHONE.fullmatch(phone) is not None and 10 <= digits <= 13)
    return phone, [] if usable else [_BAD_PHONE]


def _given(form: FormData) -> RouteInput:
    age_text = str(form.get("age") or "").strip()
    return RouteInput(
        age=int(age_text) if age_text.isdigit() and len(age_text) < 4 else -1,
        sex=str(form.get("sex") or ""),
        answers=tuple(dict.fromkeys(str(a) for a in form.getlist("answer"))),
        text=str(form.get("text") or ""),
    )


def _form(
    request: Request, kit: Kit, context: Context, status: int = 200, **values: object
) -> Response:
    rules = front_door(request).rules
    return kit.page(
        request,
        context,
        "front_door/ask.html",
        _TITLE,
        status,
        symptoms=rules.questions_in("symptom"),
        extras=rules.questions_in("context"),
        max_text=portal_context(request).settings.front_door_max_text,
        form_id=uuid.uuid4().hex,
        **values,
    )


async def ask_form(request: Request, kit: Kit, context: Context, session: SignedIn) -> Response:
    refused = level_refusal(request, kit, context, session.user, "P5")
    return refused or _form(request, kit, context)


async def ask(request: Request, kit: Kit, context: Context, session: SignedIn) -> Response:
    user, writer = session.user, patient_at(request, kit, context, session, "P5")
    form = await request.form()
    rules, given, form_id = front_door(request), _given(form), str(form.get("form_id") or "")
    settings = portal_context(request).settings
    phone, bad_phone = _phone(form)
    problems = [*problems_with(rules, given, settings.front_door_max_text), *bad_phone]
    if not _FORM_ID.fullmatch(form_id):
        problems = [*problems, _OUT_OF_DATE]
    if problems:
        screened = RouteInput(40, "unknown", (), given.text)
        safety = route_now(rules, screened, None, now(request), count=False)
        return _form(
            request,
            kit,
            context,
            400,
            errors=[(p.message, p.field) for p in problems],
            given=given,
            phone=phone,
            safety=safety if safety.red_flag else None,
        )
    plan_aware, duty = user.proofing_level == "P9", settings.front_door_duty_clinician
    submission = Submission(given, plan_aware, duty, form_id, (user.name, phone))
    done = await submit(request.app.state.fhir, writer, rules, submission, now(request))
    return kit.page(
        request,
        context,
        "front_door/advice.html",
        done.decision.advice.title,
        409 if done.replayed else 200,
        decision=done.decision,
        kept=True,
        replayed=done.replayed,
    )
