"""A request's message thread, the same page for the patient and for their team.

`/my/requests/{id}`: a P9 patient's own request, its thread, and a form to write to
their team; once the team has answered, one feedback question (`/feedback`).
`/duty/requests/{id}` (in `web.duty`): the staff who may see the patient read the
same thread and reply, a reply possibly answering the request. Which side is
which is a `Side`; who may see the request is the kernel's relationship check (a
request that is not theirs to see is "Page not found", as an unknown one is).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from carecoord_shared.security.principal import Principal
from portal.fhir.front_door_feedback import SCORES
from portal.service.front_door_feedback import NotAnswered, feedback_given, give_feedback
from portal.service.front_door_threads import post_message, thread_of
from portal.web.context import Context, Kit, SignedIn, WebContext, WebKit
from portal.web.front_door.common import (
    feedback_in,
    found_or_404,
    now,
    patient_at,
    portal_context,
)

__all__ = [
    "PATIENT",
    "STAFF",
    "Side",
    "my_feedback",
    "my_thread",
    "my_thread_reply",
    "reply",
    "show",
]


@dataclass(frozen=True, slots=True)
class Side:
    base: str
    staff: bool
    label: str
    """What the message box is called on this side."""


PATIENT = Side("/my/requests", False, "Write to your care team")
STAFF = Side("/duty/requests", True, "Reply to the patient")


async def show(
    request: Request,
    kit: WebKit,
    context: WebContext,
    reader: Principal,
    request_id: str,
    side: Side,
    status: int = 200,
    **values: object,
) -> Response:
    with found_or_404(request, kit, context):
        thread = await thread_of(request.app.state.fhir, reader, request_id)
    title = (
        "Your request" if not side.staff else f"Request from NHS number {thread.request.nhs_number}"
    )
    query = request.query_params
    notices = {"sent": query.get("sent") == "1", "feedback": query.get("feedback")}
    page = "front_door/thread.html"
    return kit.page(
        request, context, page, title, status, thread=thread, side=side, **notices, **values
    )


async def reply(
    request: Request,
    kit: WebKit,
    context: WebContext,
    writer: Principal,
    request_id: str,
    side: Side,
    staff_name: str | None,
) -> Response:
    form = await request.form()
    text, answers = str(form.get("message") or "").strip(), form.get("answers") == "yes"
    limit = portal_context(request).settings.front_door_max_text
    if not text or len(text) > limit:
        problem = f"Write a message of 1 to {limit} characters."
        return await show(request, kit, context, writer, request_id, side, 400, problem=problem)
    with found_or_404(request, kit, context):
        fhir = request.app.state.fhir
        await post_message(fhir, writer, request_id, text, staff_name, answers, now(request))
    return RedirectResponse(f"{side.base}/{request_id}?sent=1#thread", status_code=303)


async def my_thread(
    request: Request, request_id: str, kit: Kit, context: Context, session: SignedIn
) -> Response:
    reader = patient_at(request, kit, context, session, "P9")
    given = await feedback_given(request.app.state.fhir, reader, request_id)
    return await show(
        request, kit, context, reader, request_id, PATIENT, given=given, scores=SCORES
    )


async def my_feedback(
    request: Request, request_id: str, kit: Kit, context: Context, session: SignedIn
) -> Response:
    """One answer about an answered request; the episode is the stored request's own."""
    writer = patient_at(request, kit, context, session, "P9")
    answered, problem = await feedback_in(request, "the answer")
    if answered is None:
        values = {"given": False, "scores": SCORES, "feedback_problem": problem}
        return await show(request, kit, context, writer, request_id, PATIENT, 400, **values)
    try:
        with found_or_404(request, kit, context):
            fhir = request.app.state.fhir
            new = await give_feedback(fhir, writer, request_id, *answered, now(request))
    except NotAnswered:
        text = "You can tell us how helpful the answer was once your team has answered."
        return kit.message(request, context, "Not answered yet", text, 409)
    done = "thanks" if new else "already"
    return RedirectResponse(f"{PATIENT.base}/{request_id}?feedback={done}", status_code=303)


async def my_thread_reply(
    request: Request, request_id: str, kit: Kit, context: Context, session: SignedIn
) -> Response:
    writer = patient_at(request, kit, context, session, "P9")
    return await reply(request, kit, context, writer, request_id, PATIENT, None)
