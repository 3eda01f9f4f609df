"""`/my/feedback/{id}`: a P9 patient answers the question put to them after an episode
closed elsewhere (A&G answered, referral accepted, MDT outcome), listed on `/my/plan`.

The episode comes from the stored question the patient may see (another patient's is
"Page not found"), never from the form; a second answer stores nothing more.
"""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from portal.service.front_door_episodes import NotAQuestion, answer_question
from portal.web.context import Context, Kit, SignedIn
from portal.web.front_door.common import feedback_in, found_or_404, now, patient_at

__all__ = ["my_episode_feedback"]

_BACK = ("Back to your care", "/my/plan#feedback")
_NONE = "No such question."


async def my_episode_feedback(
    request: Request, question_id: str, kit: Kit, context: Context, session: SignedIn
) -> Response:
    writer = patient_at(request, kit, context, session, "P9")
    answered, problem = await feedback_in(request, "it")
    if answered is None:
        return kit.message(request, context, "There is a problem", problem, 400, _BACK)
    try:
        with found_or_404(request, kit, context, _NONE, _BACK):
            fhir = request.app.state.fhir
            new = await answer_question(fhir, writer, question_id, answered, now(request))
    except NotAQuestion:
        return kit.message(request, context, "Page not found", _NONE, 404, _BACK)
    done = "thanks" if new else "already"
    return RedirectResponse(f"/my/plan?feedback={done}#feedback", status_code=303)
