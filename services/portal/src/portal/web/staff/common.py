"""What every staff screen shares: the signed-in user's clients for the other services,
the role check, the "not found" page and the "this part is down" part.

The services' base URLs come from the staff settings of the app's context (the real
portal), or their defaults where an app was assembled without one (tests of the web
face alone). A page that needs a role the user lacks answers 403 with a plain message;
a record the user may not see looks exactly like one that does not exist (404), so a
page never tells a GP whether another practice's patient exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from carecoord_shared.security.principal import Role
from portal.config.staff import StaffSettings
from portal.service.bff import FhirClient, ServiceDown
from portal.web.context import SignedIn, WebContext, WebKit
from portal.web.http import WebExit
from portal.web.sessions import WebSession

__all__ = [
    "Clients",
    "StaffClients",
    "down_part",
    "need_role",
    "not_found",
    "read_part",
    "staff_settings",
]

NOT_FOUND_TITLE = "Page not found"
NOT_FOUND_TEXT = (
    "If you typed the web address, check it is correct. If you pasted the web address, "
    "check you copied the entire address."
)


def staff_settings(request: Request) -> StaffSettings:
    context = getattr(request.app.state, "context", None)
    settings = getattr(context, "settings", None)
    return settings if isinstance(settings, StaffSettings) else StaffSettings()


class StaffClients:
    """The other services, each called as the signed-in person."""

    def __init__(self, settings: StaffSettings, session: WebSession) -> None:
        token, timeout = session.access_token, settings.service_timeout_s
        self.referrals = FhirClient(
            "The referrals service", settings.referrals_url, token, timeout_s=timeout
        )
        self.care_plans = FhirClient(
            "The care plans service", settings.care_plans_url, token, timeout_s=timeout
        )
        self.mdt = FhirClient("The MDT service", settings.mdt_url, token, timeout_s=timeout)


async def clients(request: Request, session: SignedIn) -> StaffClients:
    return StaffClients(staff_settings(request), session)


Clients = Annotated[StaffClients, Depends(clients)]


def need_role(
    request: Request, kit: WebKit, context: WebContext, session: WebSession, roles: Sequence[Role]
) -> None:
    """Stop with a 403 page unless the user has one of `roles`."""
    if session.user.role not in roles:
        text = "This page is for other staff roles. Go back to your home page."
        page = kit.message(
            request, context, "You cannot use this page", text, 403, ("Go to your home page", "/")
        )
        raise WebExit(page)


def not_found(request: Request, kit: WebKit, context: WebContext) -> Response:
    """The one "not found" page: the same for a record that is not there and one that
    the user may not see."""
    return kit.message(request, context, NOT_FOUND_TITLE, NOT_FOUND_TEXT, 404)


def down_part(service: str, retry: str) -> dict[str, Any]:
    """What a page part shows when its service did not answer."""
    return {"service": service, "retry": retry}


async def read_part(name: str, reading: Awaitable[Any], retry: str) -> dict[str, Any]:
    """`{name: what was read}`, or `{"down": ...}` (with `retry` the page to read
    again) when the service did not answer: a page's values either way."""
    try:
        return {name: await reading}
    except ServiceDown as down:
        return {"down": down_part(down.service, retry)}
