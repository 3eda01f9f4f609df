"""What the front door's pages share: the rule set, the clock, levels and refusals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from fastapi import Request, Response

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import parse_scopes
from portal.fhir.front_door_feedback import SCORES
from portal.service.context import PortalContext
from portal.service.front_door_directory import front_door_now
from portal.service.front_door_rules import FrontDoorRules, load_front_door
from portal.web.context import WebContext, WebKit
from portal.web.http import WebExit
from portal.web.identity import WebUser
from portal.web.sessions import WebSession

__all__ = [
    "LEVEL_HELP",
    "feedback_in",
    "found_or_404",
    "front_door",
    "level_refusal",
    "now",
    "patient",
    "patient_at",
    "portal_context",
]

_RANK = {"P0": 0, "P5": 5, "P9": 9}
LEVEL_HELP = {
    "P5": "To send a request you need NHS login level P5: your NHS login matched to your "
    "NHS record (your name, date of birth and NHS number or postcode).",
    "P9": "To see your care plan, co-ordinator and messages you need NHS login level P9: "
    "your identity checked with photo ID or a video call. You can do this in the NHS App.",
}


_OWN_RECORDS = parse_scopes(
    "patient/Communication.crs patient/CommunicationRequest.rs patient/QuestionnaireResponse.rs"
)


def patient(user: WebUser) -> Principal:
    """The signed-in patient as the portal's store sees them: their own records only (the
    NHS number comes from their session, never from a form)."""
    return Principal(
        user.subject,
        "patient",
        "patient",
        None,
        user.nhs_number,
        _OWN_RECORDS,
        proofing_level=user.proofing_level,
    )


def portal_context(request: Request) -> PortalContext:
    context = request.app.state.context
    assert isinstance(context, PortalContext)
    return context


def front_door(request: Request) -> FrontDoorRules:
    """The rule set the portal's settings name (the shipped one in an app built without
    the portal's context, such as the web face's own test harness)."""
    context = getattr(request.app.state, "context", None)
    if isinstance(context, PortalContext):
        return front_door_now(context.settings)
    return load_front_door()


def now(request: Request) -> datetime:
    return portal_context(request).clock()


def level_refusal(
    request: Request, kit: WebKit, context: WebContext, user: WebUser, needs: str
) -> Response | None:
    """A refusal page saying which NHS login level would let the patient in (None: allowed)."""
    if not user.is_patient:
        return kit.message(
            request, context, "This page is for patients", "Staff use the staff portal.", 403
        )
    if _RANK[user.proofing_level or "P0"] >= _RANK[needs]:
        return None
    text = f"You are signed in at NHS login level {user.proofing_level}. {LEVEL_HELP[needs]}"
    return kit.message(
        request, context, "You cannot see this yet", text, 403, ("Back to your home", "/")
    )


def patient_at(
    request: Request, kit: WebKit, context: WebContext, session: WebSession, needs: str
) -> Principal:
    """The signed-in patient, when at level `needs` (else the refusal page, at once)."""
    refused = level_refusal(request, kit, context, session.user, needs)
    if refused is not None:
        raise WebExit(refused)
    return patient(session.user)


@contextmanager
def found_or_404(
    request: Request,
    kit: WebKit,
    context: WebContext,
    text: str = "There is no request at this address you can see.",
    link: tuple[str, str] | None = None,
) -> Iterator[None]:
    """A record that is not the user's to see (or gone) is "Page not found", as an
    unknown one is: the kernel's relationship check answers 404 for both."""
    try:
        yield
    except FhirError as error:
        if error.status not in (404, 410):
            raise
        raise WebExit(kit.message(request, context, "Page not found", text, 404, link)) from None


async def feedback_in(request: Request, about: str) -> tuple[tuple[str, str] | None, str]:
    """The (score, comment) a feedback form sent (None: unusable), and what to tell the
    patient when it is unusable (`about`: what they were asked about)."""
    form = await request.form()
    score, comment = str(form.get("helpful") or ""), str(form.get("comment") or "").strip()
    limit = portal_context(request).settings.front_door_max_text
    problem = f"Choose how helpful {about} was; keep any comment to {limit} characters."
    return ((score, comment) if score in SCORES and len(comment) <= limit else None), problem
