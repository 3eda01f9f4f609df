"""Sign-in and sign-out: OpenID Connect authorization code with PKCE, sessions server-side.

Sign-in: `/auth/login` records the attempt (state, nonce, PKCE verifier, where to
return) server-side, puts the state in a short-lived cookie and sends the browser to the
provider. `/auth/callback` accepts the answer only in the browser that asked (the state
must equal that cookie) and only once (the attempt is deleted as it is read), exchanges
the code with the verifier, verifies the ID token (signature by the provider's JWKS,
issuer, audience, times, our nonce), and starts a new session with a new id, so a
session id planted before sign-in is worthless. Sign-out is a POST with a CSRF token: it
deletes the session, so the old cookie is refused from then on, and ends the session at
the provider too (RP-initiated logout), which sends the browser back to `/auth/signed-out`.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from carecoord_shared.logging import get_logger
from portal.web.context import Context, Kit, WebContext, WebKit
from portal.web.http import add_page
from portal.web.identity import InvalidIdentity, WebUser, user_from_claims
from portal.web.oidc import SignInFailed, TokenSet
from portal.web.security import new_pkce, random_token, safe_return_to
from portal.web.sessions import LOGIN_LIFETIME, LoginAttempt

__all__ = ["add_auth_routes"]

_log = get_logger(__name__)
_TRY_AGAIN = ("Sign in again", "/auth/login")


def add_auth_routes(router: APIRouter) -> None:
    """Add the `/auth/...` routes to a router built by `build_web_router`."""
    add_page(router, "/auth/login", get=login)
    add_page(router, "/auth/callback", get=callback)
    add_page(router, "/auth/logout", post=logout)
    add_page(router, "/auth/signed-out", get=signed_out)


def _failure(
    kit: WebKit, request: Request, context: WebContext, reason: str, unavailable: bool = False
) -> Response:
    _log.warning("web.sign_in.failed", reason=reason)
    if unavailable:
        text = "The sign-in service is not answering. Wait a minute and try again."
        response = kit.message(request, context, "Sign-in is unavailable", text, 503, _TRY_AGAIN)
        response.headers["Retry-After"] = "60"
        return response
    text = "We could not complete your sign-in. Nothing has been changed. Please sign in again."
    return kit.message(request, context, "Sign-in was not completed", text, 400, _TRY_AGAIN)


async def login(
    request: Request, kit: Kit, context: Context, return_to: str | None = None
) -> Response:
    """Start signing in at the identity provider, coming back to `return_to`."""
    target = safe_return_to(return_to)
    if context.session is not None:
        return RedirectResponse(target, status_code=303)
    state, nonce, pkce = random_token(), random_token(), new_pkce()
    try:
        url = await kit.oidc.authorization_url(
            redirect_uri=kit.config.redirect_uri,
            scope=kit.config.scopes,
            state=state,
            nonce=nonce,
            pkce=pkce,
        )
    except SignInFailed as problem:
        return _failure(kit, request, context, problem.reason, problem.provider_unavailable)
    await kit.sessions.begin_login(LoginAttempt(state, nonce, pkce.verifier, target), kit.clock())
    lifetime = int(LOGIN_LIFETIME.total_seconds())
    request.state.cookies.set(kit.config.login_cookie, state, max_age=lifetime)
    return RedirectResponse(url, status_code=303)


async def callback(request: Request, kit: Kit, context: Context) -> Response:
    """The identity provider's answer: accepted once, and only in the browser that asked."""
    request.state.cookies.clear(kit.config.login_cookie)
    try:
        attempt = await _answered_attempt(request, kit)
        user, tokens = await _redeem(kit, request.query_params["code"], attempt)
    except SignInFailed as problem:
        return _failure(kit, request, context, problem.reason, problem.provider_unavailable)
    except InvalidIdentity:
        return _failure(kit, request, context, "identity_not_usable_here")
    if context.session is not None:  # never keep a session id from before sign-in
        await kit.sessions.delete(context.session.id)
    max_age = timedelta(seconds=kit.config.max_session_s)
    session = await kit.sessions.create(user, tokens, kit.clock(), max_age)
    request.state.cookies.set(kit.config.session_cookie, session.id)
    _log.info("web.signed_in", role=user.role, organisation=user.organisation)
    return RedirectResponse(attempt.return_to, status_code=303)


async def _answered_attempt(request: Request, kit: Kit) -> LoginAttempt:
    """The sign-in this answer belongs to, spent; SignInFailed if it is not this browser's."""
    params, config = request.query_params, kit.config
    state = params.get("state", "")
    expected = request.cookies.get(config.login_cookie, "")
    if not state or not hmac.compare_digest(state.encode(), expected.encode()):
        raise SignInFailed("state_not_this_browsers")
    attempt = await kit.sessions.finish_login(state, kit.clock())
    if attempt is None:
        raise SignInFailed("sign_in_unknown_or_expired")
    if "error" in params or not params.get("code"):
        raise SignInFailed("provider_declined")
    if params.get("iss", config.oidc_issuer) != config.oidc_issuer:  # RFC 9207
        raise SignInFailed("issuer_mismatch")
    return attempt


async def _redeem(kit: WebKit, code: str, attempt: LoginAttempt) -> tuple[WebUser, TokenSet]:
    tokens = await kit.oidc.exchange_code(code, kit.config.redirect_uri, attempt.code_verifier)
    claims = await kit.oidc.verify_id_token(tokens.id_token, attempt.nonce)
    return user_from_claims(claims), tokens


async def logout(request: Request, kit: Kit, context: Context) -> Response:
    """Sign out here (the session row goes) and at the identity provider."""
    if context.session is None:
        return RedirectResponse("/auth/signed-out", status_code=303)
    await kit.sessions.delete(context.session.id)
    request.state.cookies.clear(kit.config.session_cookie)
    # A patient's ID token holds their NHS number, which must never travel in a URL
    # (browser history, access logs): the client id identifies the logout instead.
    hint = None if context.session.user.is_patient else context.session.id_token
    try:
        target = await kit.oidc.end_session_url(hint, kit.config.signed_out_uri)
    except SignInFailed:  # signed out here all the same
        target = None
    return RedirectResponse(target or "/auth/signed-out", status_code=303)


async def signed_out(request: Request, kit: Kit, context: Context) -> Response:
    text = "You have signed out. Close the browser if you are on a shared computer."
    link = ("Sign in", "/auth/login")
    return kit.message(request, context, "You have signed out", text, link=link)
