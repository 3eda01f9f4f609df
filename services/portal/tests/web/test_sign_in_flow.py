"""Sign-in, sessions and sign-out over real HTTP: the portal's web face and the dev provider.

Each test is a browser's worth of requests (an httpx client with its own cookie jar)
following the redirects by hand, so every hop's status, cookies and headers are checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_devstack.oidc_provider import demo_identities
from carecoord_shared.db import create_engine
from carecoord_shared.security.tokens import TokenVerifier
from carecoord_shared.settings import DEV_ISSUER
from portal.web import PUBLIC_PATHS, PostgresSessionStore, build_web_router, web_session
from portal.web.sessions import TOUCH_EVERY
from services.portal.tests.web.conftest import csrf_token

GP = next(who for who in demo_identities() if who.role == "gp")


async def sign_in(client: httpx.AsyncClient, stack: object, user: str, path: str = "/") -> str:
    """Open `path` signed out, choose `user` at the provider; the callback URL reached."""
    portal, provider = stack.portal_url, stack.provider_url  # type: ignore[attr-defined]
    first = await client.get(f"{portal}{path}")
    assert first.status_code == 303
    assert first.headers["location"].startswith("/auth/login?return_to=")
    login = await client.get(portal + first.headers["location"])
    assert login.status_code == 303
    authorize = login.headers["location"]
    assert authorize.startswith(f"{provider}/authorize?")
    params = dict(parse_qsl(urlsplit(authorize).query))
    assert params["code_challenge_method"] == "S256"
    assert {"state", "nonce", "code_challenge"} <= params.keys()
    assert (await client.get(authorize)).status_code == 200
    chosen = await client.post(f"{provider}/authorize", data=params | {"user": user})
    assert chosen.status_code == 303
    return str(chosen.headers["location"])


@asynccontextmanager
async def signed_in(stack: object, user: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser (client) signed in as `user` through the whole flow, callback followed."""
    async with httpx.AsyncClient() as client:
        await client.get(await sign_in(client, stack, user))
        yield client


@asynccontextmanager
async def _stored_session(
    stack: object, user: str
) -> AsyncIterator[tuple[str, PostgresSessionStore, AsyncEngine]]:
    """`user` signed in: their session cookie's value, and the portal's session store on
    its database with the engine under it (disposed afterwards)."""
    async with signed_in(stack, user) as client:
        session_id = client.cookies["carecoord_session"]
    engine = create_engine(stack.database_url, pool_size=1)  # type: ignore[attr-defined]
    try:
        yield session_id, PostgresSessionStore(lambda: engine), engine
    finally:
        await engine.dispose()


async def test_every_page_but_the_public_ones_redirects_a_signed_out_browser(web_stack) -> None:
    router = build_web_router(web_stack.config, sessions=None)  # type: ignore[arg-type]
    protected = [
        route.path
        for route in router.routes
        if route.path not in PUBLIC_PATHS and "GET" in getattr(route, "methods", ())
    ]
    assert protected, "the home page at least is protected"
    async with httpx.AsyncClient() as client:
        for path in protected:
            response = await client.get(f"{web_stack.portal_url}{path}")
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/auth/login?return_to=")


async def test_gp_signs_in_and_sees_who_they_are_signed_in_as(web_stack) -> None:
    async with httpx.AsyncClient() as client:
        callback = await sign_in(client, web_stack, "gp")
        done = await client.get(callback)
        assert done.status_code == 303
        assert done.headers["location"] == "/"
        cookie = next(c for c in done.headers.get_list("set-cookie") if "carecoord_session=" in c)
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        home = await client.get(f"{web_stack.portal_url}/")
    assert home.status_code == 200
    assert f"Signed in as Dr Priya Shah, GP, {GP.organisation_name}" in home.text
    csp = home.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert home.headers["x-content-type-options"] == "nosniff"
    assert home.headers["cache-control"] == "no-store"
    assert home.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in home.text  # no inline script anywhere
    assert " style=" not in home.text


async def test_the_session_is_kept_server_side_under_a_hash_with_a_token_services_accept(
    web_stack,
) -> None:
    async with _stored_session(web_stack, "gp") as (session_id, _, engine):
        id_hash = hashlib.sha256(session_id.encode()).hexdigest()
        async with engine.connect() as conn:
            row = (
                await conn.execute(select(web_session).where(web_session.c.id_hash == id_hash))
            ).one()
    assert row.web_user["role"] == "gp"
    assert row.expires_at - row.created_at == timedelta(hours=1), "ends with the access token"
    verifier = TokenVerifier(DEV_ISSUER, "carecoord", f"{web_stack.provider_url}/jwks.json")
    principal = await verifier.verify(row.access_token)
    assert principal.role == "gp"
    assert principal.organisation == GP.organisation


async def test_sign_out_needs_the_sessions_csrf_token_and_then_refuses_the_old_cookie(
    web_stack,
) -> None:
    portal = web_stack.portal_url
    async with signed_in(web_stack, "care-coordinator") as client:
        old_session = client.cookies["carecoord_session"]
        token = csrf_token((await client.get(f"{portal}/")).text)
        missing = await client.post(f"{portal}/auth/logout", data={})
        forged = await client.post(f"{portal}/auth/logout", data={"csrf_token": "x" * 43})
        assert missing.status_code == forged.status_code == 403
        assert "Your request was refused" in forged.text
        assert (await client.get(f"{portal}/")).status_code == 200, "a refused post changes nothing"
        out = await client.post(f"{portal}/auth/logout", data={"csrf_token": token})
        assert out.status_code == 303
        assert out.headers["location"].startswith(f"{web_stack.provider_url}/end-session?")
        back = await client.get(out.headers["location"])
        assert back.headers["location"] == f"{portal}/auth/signed-out"
        assert "You have signed out" in (await client.get(back.headers["location"])).text
    async with httpx.AsyncClient(cookies={"carecoord_session": old_session}) as replay:
        refused = await replay.get(f"{portal}/")
    assert refused.status_code == 303
    assert refused.headers["location"].startswith("/auth/login")


async def test_a_patients_sign_out_keeps_their_id_token_and_nhs_number_out_of_urls(
    web_stack,
) -> None:
    portal = web_stack.portal_url
    async with signed_in(web_stack, "patient-p9") as client:
        token = csrf_token((await client.get(f"{portal}/")).text)
        out = await client.post(f"{portal}/auth/logout", data={"csrf_token": token})
        back = await client.get(out.headers["location"])
    assert "id_token_hint" not in out.headers["location"]
    assert back.headers["location"] == f"{portal}/auth/signed-out"


async def test_a_callback_is_accepted_once_and_only_in_the_browser_that_began_it(web_stack) -> None:
    async with httpx.AsyncClient() as victim, httpx.AsyncClient() as attacker:
        callback = await sign_in(attacker, web_stack, "paramedic")
        planted = await victim.get(callback)  # login CSRF: the attacker's code, victim's browser
        assert planted.status_code == 400
        assert "carecoord_session" not in victim.cookies
        first = await attacker.get(callback)
        assert first.status_code == 303
        replayed = await attacker.get(callback)
        assert replayed.status_code == 400


async def test_an_idle_session_ends(web_stack) -> None:
    async with signed_in(web_stack, "mdt-member") as client:
        session_id = client.cookies["carecoord_session"]
        idle = timedelta(seconds=web_stack.config.idle_timeout_s + 1)
        engine = create_engine(web_stack.database_url, pool_size=1)
        id_hash = hashlib.sha256(session_id.encode()).hexdigest()
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    update(web_session)
                    .where(web_session.c.id_hash == id_hash)
                    .values(last_seen_at=datetime.now(UTC) - idle)
                )
            response = await client.get(f"{web_stack.portal_url}/")
            async with engine.connect() as conn:
                left = (
                    await conn.execute(select(web_session).where(web_session.c.id_hash == id_hash))
                ).first()
        finally:
            await engine.dispose()
    assert response.status_code == 303
    assert left is None


async def test_ended_sessions_and_stale_sign_ins_can_be_purged(web_stack) -> None:
    idle = timedelta(seconds=web_stack.config.idle_timeout_s)
    async with _stored_session(web_stack, "admin") as (session_id, store, _):
        await store.purge_expired(datetime.now(UTC), idle)
        assert await store.load(session_id, datetime.now(UTC), idle) is not None, "still live"
        later = datetime.now(UTC) + idle + timedelta(seconds=1)
        assert await store.purge_expired(later, idle) >= 1
        assert await store.load(session_id, datetime.now(UTC), idle) is None


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("patient-p0", "You need to prove who you are to NHS login level P5"),
        ("patient-p5", "You need to prove who you are to NHS login level P9"),
        ("patient-p9", "Your care plan"),
    ],
)
async def test_patients_see_what_their_proofing_level_allows(web_stack, user, expected) -> None:
    async with signed_in(web_stack, user) as client:
        home = await client.get(f"{web_stack.portal_url}/")
    assert home.status_code == 200
    assert expected in home.text
    level = user[-2:].upper()
    assert f"patient (NHS login {level})" in home.text
    if level == "P9":
        assert "You need to prove who you are" not in home.text


async def test_the_patient_start_page_needs_no_sign_in(web_stack) -> None:
    async with httpx.AsyncClient() as client:
        start = await client.get(f"{web_stack.portal_url}/start")
    assert start.status_code == 200
    assert "Ask for help with a health problem" in start.text
    assert "Chest pain" in start.text  # red flags first, before any sign-in
    assert start.headers["cache-control"] == "no-store"


async def test_a_page_view_moves_the_idle_clock_at_most_every_touch_interval(web_stack) -> None:
    idle = timedelta(seconds=web_stack.config.idle_timeout_s)
    async with _stored_session(web_stack, "mdt-member") as (session_id, store, engine):
        id_hash = hashlib.sha256(session_id.encode()).hexdigest()

        async def last_seen() -> datetime:
            async with engine.connect() as conn:
                query = select(web_session.c.last_seen_at).where(web_session.c.id_hash == id_hash)
                return (await conn.execute(query)).scalar_one()

        seen = await last_seen()
        soon = seen + TOUCH_EVERY - timedelta(seconds=1)
        assert await store.load(session_id, soon, idle) is not None
        assert await last_seen() == seen, "a view within the interval writes nothing"
        later = seen + TOUCH_EVERY + timedelta(seconds=1)
        assert await store.load(session_id, later, idle) is not None
        assert await last_seen() == later, "a view after it moves the idle clock"
        assert await store.load(session_id, later + idle + timedelta(seconds=1), idle) is None
