"""Fixtures for the portal's web face: a real OIDC provider and the web router, served.

Sign-in is a dance between a browser, the portal and the identity provider, so the
tests run all three for real: the development OIDC provider and a minimal portal app
mounting `install_web` on its own fresh, migrated database (the local PostgreSQL), each
served by uvicorn in a thread on a loopback port below 32768 (ports above belong to
outgoing connections, see ARCHITECTURE.md). HTTP-level tests drive them with httpx; the
browser tests with Chromium through Playwright.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from carecoord_devstack.oidc_provider import create_oidc_app, portal_client
from carecoord_devstack.testing import create_fresh_database
from carecoord_shared.db import create_engine, migrate_async
from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.testing.loopback import free_loopback_port
from portal.web import WEB_MIGRATIONS, PostgresSessionStore, WebConfig, install_web

CLIENT_ID = "portal-under-test"
CLIENT_SECRET = "a-test-client-secret-of-some-length"


def free_port() -> int:
    """A free loopback port of the tests' band (`carecoord_shared.testing.loopback`)."""
    return free_loopback_port()


def csrf_token(page: str) -> str:
    """The CSRF token of the form on `page` (the value a browser would post back)."""
    marker = 'name="csrf_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


class LiveServer:
    """An ASGI app served by uvicorn in a daemon thread, for the length of a test module."""

    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server at {self.url} did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


@dataclass(frozen=True)
class WebStack:
    portal_url: str
    provider_url: str
    database_url: str
    issuer_folder: Path
    config: WebConfig


def portal_app(
    config: WebConfig, database_url: str, registry: FhirRegistry | None = None
) -> FastAPI:
    """The smallest portal that serves the web face: an engine in the lifespan, the router;
    with `registry`, the portal's own FHIR interactions too (the duty pages read them)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(database_url, pool_size=4)
        if registry is not None:
            app.state.fhir = FhirInteractions(app.state.engine, registry)
        yield
        await app.state.engine.dispose()

    app = FastAPI(lifespan=lifespan)
    install_web(app, config, PostgresSessionStore(lambda: app.state.engine))
    return app


def signing_in(
    issuer_folder: Path, provider_url: str, provider_port: int, portal_url: str
) -> tuple[LiveServer, WebConfig]:
    """The development OIDC provider with the portal registered as its client, and the
    portal's web configuration pointing at it (plain http on loopback)."""
    registration = portal_client(portal_url, CLIENT_ID, CLIENT_SECRET)
    provider = LiveServer(
        create_oidc_app(issuer_folder, provider_url, client=registration), provider_port
    )
    config = WebConfig(
        oidc_issuer=provider_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        public_base_url=portal_url,
        csrf_secret=os.urandom(32),
        secure_cookies=False,
    )
    return provider, config


@pytest.fixture(scope="module")
async def web_database_url(infrastructure: None) -> str:
    """A fresh database with the kernel's and the web face's tables (as the portal's has)."""
    url = await create_fresh_database("web")
    await migrate_async(url, WEB_MIGRATIONS)
    return url


@pytest.fixture(scope="module")
def web_stack(
    web_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebStack]:
    issuer_folder = tmp_path_factory.mktemp("dev-issuer")
    provider_port, portal_port = free_port(), free_port()
    while portal_port == provider_port:
        portal_port = free_port()
    portal_url = f"http://127.0.0.1:{portal_port}"
    provider_url = f"http://127.0.0.1:{provider_port}"
    provider, config = signing_in(issuer_folder, provider_url, provider_port, portal_url)
    portal = LiveServer(portal_app(config, web_database_url), portal_port)
    provider.start()
    portal.start()
    try:
        yield WebStack(portal_url, provider_url, web_database_url, issuer_folder, config)
    finally:
        portal.stop()
        provider.stop()
