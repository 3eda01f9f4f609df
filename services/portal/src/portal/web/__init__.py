"""The portal's web face: server-rendered NHS.UK pages for staff and patients.

A backend for the frontend (ARCHITECTURE.md, "The portal"): pages rendered on the
server with the NHS.UK design system, working with JavaScript off and enhanced by HTMX,
signed in by OpenID Connect (code + PKCE) with server-side sessions. The package is
self-contained: the portal's app factory calls `install_web(app, config, sessions)`
(or `build_web_router` and `mount_web_assets` itself) and runs the `portal_web` alembic
branch in `WEB_MIGRATIONS`; nothing here reads settings or opens connections at import.
"""

from portal.web.assets import mount_web_assets
from portal.web.config import WebConfig
from portal.web.identity import WebUser
from portal.web.oidc import OidcClient
from portal.web.router import PUBLIC_PATHS, build_web_router, install_web
from portal.web.sessions import (
    WEB_MIGRATIONS,
    PostgresSessionStore,
    SessionStore,
    WebSession,
    web_login,
    web_metadata,
    web_session,
)

__all__ = [
    "PUBLIC_PATHS",
    "WEB_MIGRATIONS",
    "OidcClient",
    "PostgresSessionStore",
    "SessionStore",
    "WebConfig",
    "WebSession",
    "WebUser",
    "build_web_router",
    "install_web",
    "mount_web_assets",
    "web_login",
    "web_metadata",
    "web_session",
]
