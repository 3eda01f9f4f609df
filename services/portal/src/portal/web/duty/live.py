"""`/live/duty/requests/{id}`: a request's thread, live on the staff page (issue 11).

The patient replies to their co-ordinator and the co-ordinator's open thread page shows
it without reloading: a message on a thread is told to the web processes when its unit
of work commits (`service.front_door_threads`, the request's reference only), and this
stream (the generic hub of `web.staff.live`) passes it to the pages watching that
request. A stream is opened only for staff who may read the thread with their own
verified token (the kernel's relationship check: another practice's request is "not
found", as an unknown one is); each page then re-reads itself as its user.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from portal.service.front_door_threads import thread_of
from portal.web.context import Context, Kit, SignedIn
from portal.web.duty.staff import clinician
from portal.web.front_door.common import found_or_404
from portal.web.http import add_page
from portal.web.staff.live import stream

__all__ = ["LIVE_BASE", "add_duty_live_routes"]

LIVE_BASE = "/live/duty/requests"


async def thread_stream(
    request: Request, request_id: str, kit: Kit, context: Context, session: SignedIn
) -> Response:
    """A new message on the thread, for a member of staff who may read it."""
    reader = await clinician(request, kit, context, session)
    with found_or_404(request, kit, context):
        await thread_of(request.app.state.fhir, reader, request_id)
    return stream(request, [f"CommunicationRequest/{request_id}"])


def add_duty_live_routes(router: APIRouter) -> None:
    add_page(router, f"{LIVE_BASE}/{{request_id}}", get=thread_stream)
