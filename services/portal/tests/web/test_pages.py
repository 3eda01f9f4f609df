"""Page behaviour that needs no sign-in: HTMX partials, assets, and a provider that is down.

Driven in-process over ASGI; no database is touched on these paths (the store refuses).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from portal.web import PostgresSessionStore, WebConfig, install_web, mount_web_assets

BASE = "http://portal.test"


def no_database() -> object:
    raise AssertionError("these pages must not touch the session store")


def config(issuer: str = "http://127.0.0.1:9") -> WebConfig:  # port 9: nothing listens
    return WebConfig(
        oidc_issuer=issuer,
        client_id="portal",
        client_secret="secret",
        public_base_url=BASE,
        csrf_secret=os.urandom(32),
        secure_cookies=True,
        provider_timeout_s=2.0,
    )


@pytest.fixture
async def portal() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_web(app, config(), PostgresSessionStore(no_database))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


async def test_an_htmx_request_gets_only_the_content_block(portal: httpx.AsyncClient) -> None:
    whole = await portal.get("/start")
    part = await portal.get("/start", headers={"HX-Request": "true"})
    assert "<html" in whole.text
    assert "<html" not in part.text
    assert "Ask for help with a health problem" in part.text
    assert part.headers["content-security-policy"] == whole.headers["content-security-policy"]


async def test_outside_development_cookies_are_secure_and_host_bound(
    portal: httpx.AsyncClient,
) -> None:
    start = await portal.get("/start")
    cookie = start.headers["set-cookie"]
    assert cookie.startswith("__Host-carecoord_csrf=")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/" in cookie
    assert start.headers["strict-transport-security"].startswith("max-age=")


async def test_a_signed_out_htmx_request_is_told_to_load_the_sign_in_page(
    portal: httpx.AsyncClient,
) -> None:
    response = await portal.get("/?tab=mine", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/auth/login?return_to=%2F%3Ftab%3Dmine"


async def test_sign_in_says_so_when_the_identity_provider_is_down(
    portal: httpx.AsyncClient,
) -> None:
    response = await portal.get("/auth/login")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "60"
    assert "Sign-in is unavailable" in response.text


async def test_the_design_system_is_served_from_the_npm_packages(
    portal: httpx.AsyncClient,
) -> None:
    css = await portal.get("/static/nhsuk/nhsuk-frontend.min.css")
    assert css.status_code == 200
    assert css.headers["x-content-type-options"] == "nosniff"
    assert (await portal.get("/assets/images/favicon.svg")).status_code == 200
    assert (await portal.get("/static/htmx/htmx.min.js")).status_code == 200
    assert (await portal.get("/static/portal/portal.js")).status_code == 200


def test_missing_npm_assets_stop_the_app_with_the_command_to_run(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="make frontend"):
        mount_web_assets(FastAPI(), tmp_path)
