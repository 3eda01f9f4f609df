"""`/start`: red flags before anything else, with no sign-in.

A yes to any red flag shows the 999 (or crisis) advice on the very next page, before
any queue or sign-in; a no leads on to asking for help.
"""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from portal.service.front_door_routing import RouteInput, route_now
from portal.web.context import Context, Kit
from portal.web.front_door.common import front_door, now

__all__ = ["screen", "start"]


async def start(request: Request, kit: Kit, context: Context) -> Response:
    """Patients: ask for help, red flags first (no sign-in)."""
    questions = front_door(request).rules.questions_in("red-flag")
    title = "Ask for help with a health problem"
    return kit.page(request, context, "front_door/start.html", title, questions=questions)


async def screen(request: Request, kit: Kit, context: Context) -> Response:
    form = await request.form()
    rules = front_door(request)
    known = {q.code for q in rules.rules.questions_in("red-flag")}
    answers = tuple(str(a) for a in form.getlist("answer") if str(a) in known)
    if not answers:
        return RedirectResponse("/requests/new", status_code=303)
    decision = route_now(rules, RouteInput(40, "unknown", answers), None, now(request))
    return kit.page(
        request, context, "front_door/advice.html", decision.advice.title, decision=decision
    )
