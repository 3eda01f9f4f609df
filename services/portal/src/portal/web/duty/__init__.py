"""`/duty/callbacks` and `/duty/requests`: the staff side of the front door (issue 11).

A red flag disclosed at the front door is never only advice on a screen: the practice's
duty clinician calls the patient back and records the callback here. The page lists
the open callbacks of the patients the signed-in clinician may see (the portal's own
Tasks, read with the clinician's own verified token, so the kernel's relationship
check and audit apply), and each has a plain form to record the call; it works with
JavaScript off. `/duty/requests` lists the open requests of the patients they may
see (and those with a patient's message unread), each with its message thread to
reply on (`front_door.thread`), which updates live when the patient writes
(`duty.live`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from carecoord_shared.fhir.outcome import FhirError
from portal.service.front_door_callbacks import (
    OUTCOMES,
    NotACallback,
    open_callbacks,
    record_callback,
)
from portal.service.front_door_threads import requests_for, team_read
from portal.web.context import Context, Kit, SignedIn, WebContext, WebKit
from portal.web.duty.live import LIVE_BASE, add_duty_live_routes
from portal.web.duty.staff import clinician
from portal.web.front_door.common import now, portal_context
from portal.web.front_door.thread import STAFF, reply, show
from portal.web.http import add_page

__all__ = ["add_duty_pages"]

_TITLE = "Red-flag callbacks"
_MAX_NOTE = 1000


async def callbacks(request: Request, kit: Kit, context: Context, session: SignedIn) -> Response:
    duty = await clinician(request, kit, context, session)
    found = await open_callbacks(request.app.state.fhir, duty)
    saved = request.query_params.get("saved") == "1"
    target = timedelta(minutes=portal_context(request).settings.front_door_callback_chase_minutes)
    late = {c.id for c in found if datetime.fromisoformat(c.authored_on) <= now(request) - target}
    page = "duty/callbacks.html"
    return kit.page(
        request,
        context,
        page,
        _TITLE,
        callbacks=found,
        outcomes=OUTCOMES,
        saved=saved,
        overdue=late,
    )


def _refused(request: Request, kit: WebKit, context: WebContext, text: str) -> Response:
    link = ("Back to the callbacks", "/duty/callbacks")
    return kit.message(request, context, "The callback was not recorded", text, 409, link)


async def record(
    request: Request, task_id: str, kit: Kit, context: Context, session: SignedIn
) -> Response:
    duty = await clinician(request, kit, context, session)
    form = await request.form()
    outcome = next((o for o in OUTCOMES if o == form.get("outcome")), None)
    note, version = str(form.get("note") or "").strip(), str(form.get("version") or "")
    if outcome is None or not version.isdigit() or len(version) > 9 or len(note) > _MAX_NOTE:
        text = f"Choose what happened on the call and keep the note to {_MAX_NOTE} characters."
        link = ("Back to the callbacks", "/duty/callbacks")
        return kit.message(request, context, "There is a problem", text, 400, link)
    try:
        await record_callback(
            request.app.state.fhir, duty, task_id, int(version), outcome, note, now(request)
        )
    except NotACallback:
        return _refused(request, kit, context, "This callback is already recorded or closed.")
    except FhirError as error:
        if error.status == 404:
            return kit.message(request, context, "Page not found", "No such callback.", 404)
        text = "Someone else recorded a call for this patient meanwhile. Check the list again."
        return _refused(request, kit, context, text)
    return RedirectResponse("/duty/callbacks?saved=1", status_code=303)


async def requests(request: Request, kit: Kit, context: Context, session: SignedIn) -> Response:
    """The open front door requests of the patients this person may see, newest first."""
    reader = await clinician(request, kit, context, session)
    found = await requests_for(request.app.state.fhir, reader, open_only=True)
    return kit.page(request, context, "duty/requests.html", "Patients' requests", requests=found)


async def thread(
    request: Request, request_id: str, kit: Kit, context: Context, session: SignedIn
) -> Response:
    """The thread, live; opening it reads the patient's messages (their chases close)."""
    reader = await clinician(request, kit, context, session)
    live = f"{LIVE_BASE}/{request_id}"
    shown = await show(request, kit, context, reader, request_id, STAFF, live_stream=live)
    if shown.status_code == 200:
        await team_read(request.app.state.fhir, request_id, now(request))
    return shown


async def thread_reply(
    request: Request, request_id: str, kit: Kit, context: Context, session: SignedIn
) -> Response:
    writer, user = await clinician(request, kit, context, session), session.user
    name = f"{user.name}, {user.role_label}"
    return await reply(request, kit, context, writer, request_id, STAFF, name)


def add_duty_pages(router: APIRouter) -> None:
    add_page(router, "/duty/callbacks", get=callbacks)
    add_page(router, "/duty/callbacks/{task_id}", post=record)
    add_page(router, "/duty/requests", get=requests)
    add_page(router, "/duty/requests/{request_id}", get=thread, post=thread_reply)
    add_duty_live_routes(router)
