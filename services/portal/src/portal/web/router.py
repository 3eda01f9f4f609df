"""`build_web_router`: the portal's web pages as one FastAPI router, inputs explicit.

The portal's app factory (or a test) builds the router from a `WebConfig`, a
`SessionStore` and optionally an `OidcClient`, includes it, and mounts the static assets
(`install_web` does both). Every route of the router goes through `web_route_class`
(security headers, early exits, cookies) and the router-wide CSRF check, so a new
screen gets those without asking. Handlers are plain module-level functions: they reach
the router's collaborators through the `Kit` dependency, and a screen that needs a
signed-in user takes a `SignedIn` parameter. Anything else is public, and the only
public pages are sign-in/out and the patient start page (`PUBLIC_PATHS`, which a test
holds every other route against).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, FastAPI, Request, Response

from portal.web.assets import mount_web_assets
from portal.web.auth_routes import add_auth_routes
from portal.web.config import WebConfig
from portal.web.context import Context, Kit, SignedIn, WebKit, csrf_guard, utc_now
from portal.web.front_door import add_front_door_pages
from portal.web.http import add_page, web_route_class
from portal.web.oidc import OidcClient
from portal.web.screens import level_allows, screens_for
from portal.web.sessions import SessionStore
from portal.web.staff import add_staff_pages
from portal.web.templating import Pages

__all__ = ["PUBLIC_PATHS", "build_web_router", "install_web"]

PUBLIC_PATHS = frozenset(
    {"/start", "/auth/login", "/auth/callback", "/auth/logout", "/auth/signed-out"}
)
"""Pages anyone may open; every other web page redirects a signed-out browser to sign in."""


def build_web_router(
    config: WebConfig,
    sessions: SessionStore,
    *,
    oidc: OidcClient | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> APIRouter:
    """The web pages: sign-in/out, the role-aware home page `/`, the patient start `/start`."""
    oidc = oidc or OidcClient(
        config.oidc_issuer,
        config.client_id,
        config.client_secret,
        timeout_s=config.provider_timeout_s,
    )
    kit = WebKit(config, sessions, oidc, Pages(), clock)
    router = APIRouter(
        route_class=web_route_class(
            config.issuer_origin, config.secure_cookies, state={"web_kit": kit}
        ),
        dependencies=[Depends(csrf_guard)],
        include_in_schema=False,
    )
    add_auth_routes(router)
    add_page(router, "/", get=home)
    add_front_door_pages(router)
    add_staff_pages(router)
    return router


def install_web(
    app: FastAPI,
    config: WebConfig,
    sessions: SessionStore,
    *,
    oidc: OidcClient | None = None,
) -> None:
    """Include the web router in `app` and mount its static assets."""
    app.include_router(build_web_router(config, sessions, oidc=oidc))
    mount_web_assets(app, config.node_modules)


async def home(request: Request, kit: Kit, context: Context, session: SignedIn) -> Response:
    """Home: the screens of the signed-in user's role (patients: by proofing level)."""
    user = session.user
    items = [
        {"screen": s, "allowed": level_allows(user, s), "open": s.built and level_allows(user, s)}
        for s in screens_for(user)
    ]
    title = "Your CareCoord" if user.is_patient else f"{user.role_label} home"
    return kit.page(request, context, "home.html", title, screens=items)
