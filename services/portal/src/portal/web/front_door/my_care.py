"""`/my/plan`: a P9 patient's own care, from the portal's read model.

Their named co-ordinator (and cover), their plan in their own words, their
end-of-life preferences (read-only, with how fresh each part is) and the requests
they have sent through the front door, their A&G requests, referrals and MDT outcomes
(UBRN, stage, what happens next, the date a reply is due), and the feedback questions
waiting for them. Read from the
portal's own copy of care_plans' events, so it keeps working when care_plans is down.
Only ever the signed-in patient's own record: the NHS number comes from their session.
"""

from __future__ import annotations

from fastapi import Request, Response

from portal.fhir.front_door_feedback import SCORES
from portal.service.front_door_care import own_care
from portal.service.front_door_episodes import open_questions
from portal.service.front_door_journey import journey_of
from portal.service.front_door_threads import requests_for
from portal.web.context import Context, Kit, SignedIn
from portal.web.front_door.common import level_refusal, patient

__all__ = ["my_care"]


async def my_care(request: Request, kit: Kit, context: Context, session: SignedIn) -> Response:
    user = session.user
    refused = level_refusal(request, kit, context, user, "P9")
    if refused is not None or user.nhs_number is None:
        return refused or kit.message(request, context, "No record", "No NHS number.", 403)
    fhir, principal = request.app.state.fhir, patient(user)
    care, requests = await own_care(fhir, principal), await requests_for(fhir, principal)
    questions, journey = await open_questions(fhir, principal), await journey_of(fhir, principal)
    feedback = request.query_params.get("feedback")
    return kit.page(
        request,
        context,
        "front_door/my_care.html",
        "Your care",
        care=care,
        requests=requests,
        questions=questions,
        journey=journey,
        scores=SCORES,
        feedback=feedback if feedback in ("thanks", "already") else None,
    )
