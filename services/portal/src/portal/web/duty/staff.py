"""Who may use the duty pages: the practice's duty clinician (a GP) and care
co-ordinators, as the portal's FHIR store sees them (their own verified token)."""

from __future__ import annotations

from fastapi import Request

from carecoord_shared.security.principal import Principal
from portal.web.context import WebContext, WebKit
from portal.web.http import WebExit
from portal.web.sessions import WebSession

__all__ = ["clinician"]

_ROLES = ("gp", "care-coordinator")


async def clinician(
    request: Request, kit: WebKit, context: WebContext, session: WebSession
) -> Principal:
    """The signed-in clinician (403 for any other role)."""
    if session.user.role not in _ROLES:
        text = "This page is for the practice's duty clinician and care co-ordinators."
        raise WebExit(kit.message(request, context, "You cannot use this page", text, 403))
    principal: Principal = await request.app.state.token_verifier.verify(session.access_token)
    return principal
