"""The web face, installed into the portal's app from its settings.

The declaration names this function; the kernel calls it with the app and the
portal's context once the app exists, so the pages share the app's engine (sessions
live in the portal's database) and its settings.
"""

from __future__ import annotations

import dataclasses

from fastapi import FastAPI

from portal.service.context import PortalContext
from portal.web.config import WebConfig
from portal.web.router import install_web
from portal.web.sessions import PostgresSessionStore

__all__ = ["install_pages"]


def install_pages(app: FastAPI, context: PortalContext) -> None:
    settings = context.settings
    config = WebConfig(
        oidc_issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        public_base_url=str(settings.public_base_url),
        csrf_secret=settings.csrf_secret.encode(),
        secure_cookies=settings.environment == "production",
    )
    if settings.frontend_modules is not None:
        config = dataclasses.replace(config, node_modules=settings.frontend_modules)
    install_web(app, config, PostgresSessionStore(lambda: app.state.engine))
