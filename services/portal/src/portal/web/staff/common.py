"""What every staff screen shares: `Staff`, a page's request from a signed-in user of
its roles (a handler declares `Annotated[Staff, Depends(staff("gp"))]` and gets the
user's clients for the other services, rendering, the "not found" page and the page
saying its service is down), the parts of a page whose service is down, and the page
after a write (`answered`).

The services' base URLs come from the staff settings of the app's context (the real
portal), or their defaults where an app was assembled without one (tests of the web
face alone). A page that needs a role the user lacks answers 403 with a plain message;
a record the user may not see looks exactly like one that does not exist (404), so a
page never tells a GP whether another practice's patient exists.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse

from carecoord_shared.security.principal import Role
from portal.config.staff import StaffSettings
from portal.service.bff import FhirClient, ServiceDown
from portal.web.context import Context, Kit, SignedIn, WebContext, WebKit
from portal.web.http import WebExit
from portal.web.sessions import WebSession

__all__ = [
    "AnyStaff",
    "Clients",
    "Gp",
    "Staff",
    "StaffClients",
    "answered",
    "down_part",
    "fhir_ids",
    "need_role",
    "not_found",
    "read_part",
    "staff",
    "staff_settings",
]

_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
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


def fhir_ids(user: Staff, *ids: str) -> None:
    """Each of `ids` (from the path) is a FHIR id, or the page does not exist: nothing
    else reaches the services."""
    if not all(_FHIR_ID.fullmatch(i) for i in ids):
        raise WebExit(user.not_found())


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


@dataclass(frozen=True, slots=True)
class Staff:
    """One staff page request: who asks (role already checked), their clients for the
    other services, and the page rendering every screen shares."""

    request: Request
    kit: WebKit
    context: WebContext
    session: WebSession
    services: StaffClients

    @property
    def organisation(self) -> str:
        return self.session.user.organisation or ""

    @property
    def subject(self) -> str:
        return self.session.user.subject

    def now(self) -> datetime:
        return self.kit.clock()

    def query(self, name: str, limit: int) -> str:
        """A query-string value, cut to `limit` characters ("" when absent)."""
        return self.request.query_params.get(name, "")[:limit]

    def flag(self, name: str) -> bool:
        """Whether the query string says `name=1` (a redirect's "it is done")."""
        return self.request.query_params.get(name) == "1"

    def page(self, template: str, title: str, status_code: int = 200, **values: Any) -> Response:
        return self.kit.page(self.request, self.context, template, title, status_code, **values)

    def not_found(self) -> Response:
        return not_found(self.request, self.kit, self.context)

    @contextmanager
    def down_page(self, template: str, title: str, retry: str) -> Iterator[None]:
        """Inside, a service that does not answer ends the request with `template` saying
        so (503, with `retry` the page to read again)."""
        try:
            yield
        except ServiceDown as down:
            page = self.page(template, title, 503, down=down_part(down.service, retry))
            raise WebExit(page) from None


async def signed_in_staff(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Staff:
    return Staff(request, kit, context, session, services)


AnyStaff = Annotated[Staff, Depends(signed_in_staff)]
"""Any signed-in user (what they may read is still decided by their own token)."""


def staff(*roles: Role) -> Callable[[Staff], Awaitable[Staff]]:
    """The dependency of a page for `roles`: a signed-in user of another role gets the
    403 page before the handler runs."""

    async def with_role(user: AnyStaff) -> Staff:
        need_role(user.request, user.kit, user.context, user.session, roles)
        return user

    return with_role


Gp = Annotated[Staff, Depends(staff("gp"))]
"""A signed-in GP (the A&G pages and their practice's MDT actions)."""

Again = Callable[..., Awaitable[Response]]
"""A form's page shown again: `again(status_code, **values)`."""


async def answered(
    user: Staff, result: str, messages: Sequence[str], again: Again, done: str, refused: str,
    **kept: Any,
) -> Response:  # fmt: skip
    """The page after a write a service answered (`result` and `messages` of its
    answer): on to `done` once saved; not found when the record is gone; otherwise the
    form again, with what the person typed (`kept`), saying someone else wrote first
    (409) or what the service refused (422; `refused` when it said nothing)."""
    if result == "saved":
        return RedirectResponse(done, status_code=303)
    if result == "gone":
        return user.not_found()
    if result == "conflict":
        return await again(409, conflict=True, **kept)
    return await again(422, errors=[(m, "") for m in messages] or [(refused, "")], **kept)
