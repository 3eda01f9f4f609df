"""What every web request shares: its session (if any), its CSRF token, and page rendering.

`WebKit` holds the router's collaborators (config, session store, OIDC client, pages,
clock) so routes stay short and receive everything explicitly. `context` is the one
dependency that reads the session cookie: an unknown, idle or ended session is treated
as signed out and its cookie cleared; before sign-in a random per-browser cookie is what
CSRF tokens are bound to, so forms on public pages are protected too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse

from portal.web.config import WebConfig
from portal.web.http import WebExit
from portal.web.identity import WebUser
from portal.web.oidc import OidcClient
from portal.web.security import CsrfTokens, random_token, safe_return_to
from portal.web.sessions import SessionStore, WebSession
from portal.web.templating import Pages, wants_partial

__all__ = [
    "Context",
    "Kit",
    "SignedIn",
    "WebContext",
    "WebKit",
    "csrf_guard",
    "current_kit",
    "require_session",
    "utc_now",
    "web_context",
]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class WebContext:
    session: WebSession | None
    csrf_token: str
    csrf_binding: str

    @property
    def user(self) -> WebUser | None:
        return None if self.session is None else self.session.user


class WebKit:
    """The collaborators of the web routes, and the helpers they all use."""

    def __init__(
        self,
        config: WebConfig,
        sessions: SessionStore,
        oidc: OidcClient,
        pages: Pages,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.oidc = oidc
        self.pages = pages
        self.clock = clock
        self.csrf = CsrfTokens(config.csrf_secret)

    @property
    def idle(self) -> timedelta:
        return timedelta(seconds=self.config.idle_timeout_s)

    async def context(self, request: Request) -> WebContext:
        """The request's session and CSRF token (a FastAPI dependency, cached per request)."""
        cookie = request.cookies.get(self.config.session_cookie)
        session = None
        if cookie:
            session = await self.sessions.load(cookie, self.clock(), self.idle)
            if session is None:
                request.state.cookies.clear(self.config.session_cookie)
        if session is not None:
            binding = session.id
        else:
            binding = request.cookies.get(self.config.csrf_cookie) or ""
            if len(binding) < 32:
                binding = random_token(32)
                request.state.cookies.set(self.config.csrf_cookie, binding)
        return WebContext(session, self.csrf.issue(binding), binding)

    async def check_csrf(self, request: Request, context: WebContext) -> None:
        """Refuse an unsafe request without this session's CSRF token (form field or header)."""
        if request.method in _SAFE_METHODS:
            return
        token = request.headers.get("X-CSRF-Token")
        if token is None and request.headers.get("content-type", "").startswith(_FORM_TYPES):
            field = (await request.form()).get("csrf_token")
            token = field if isinstance(field, str) else None
        if not self.csrf.valid(context.csrf_binding, token):
            text = (
                "The form was out of date or did not come from this service. "
                "Go back, reload the page and try again."
            )
            raise WebExit(self.message(request, context, "Your request was refused", text, 403))

    def sign_in_redirect(self, request: Request) -> Response:
        """Send a signed-out browser to sign in, returning here afterwards."""
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = f"/auth/login?return_to={quote(safe_return_to(here), safe='')}"
        if wants_partial(request):  # htmx would swap the sign-in page into a fragment
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    def page(
        self,
        request: Request,
        context: WebContext,
        template: str,
        title: str,
        status_code: int = 200,
        **values: Any,
    ) -> Response:
        common = {
            "user": context.user,
            "csrf_token": context.csrf_token,
            "page_title": title,
            # Each form problem by the id of its field, for the message beside the field.
            "field_errors": {field: text for text, field in values.get("errors") or () if field},
        }
        return self.pages.render(request, template, common | values, status_code)

    def message(
        self,
        request: Request,
        context: WebContext,
        title: str,
        text: str,
        status_code: int = 200,
        link: tuple[str, str] | None = None,
    ) -> Response:
        link_text, link_href = link or ("", "")
        return self.page(
            request,
            context,
            "message.html",
            title,
            status_code,
            message=text,
            link_text=link_text,
            link_href=link_href,
        )


async def current_kit(request: Request) -> WebKit:
    """The kit of the router this route belongs to (put there by its route class)."""
    kit = getattr(request.state, "web_kit", None)
    if not isinstance(kit, WebKit):
        raise RuntimeError("web routes must be built by build_web_router")
    return kit


Kit = Annotated[WebKit, Depends(current_kit)]


async def web_context(request: Request, kit: Kit) -> WebContext:
    return await kit.context(request)


Context = Annotated[WebContext, Depends(web_context)]


async def csrf_guard(request: Request, kit: Kit, context: Context) -> None:
    """Router-wide: every unsafe request must carry this session's CSRF token."""
    await kit.check_csrf(request, context)


async def require_session(request: Request, kit: Kit, context: Context) -> WebSession:
    """The signed-in session, or an early redirect to sign in."""
    if context.session is None:
        raise WebExit(kit.sign_in_redirect(request))
    return context.session


SignedIn = Annotated[WebSession, Depends(require_session)]
