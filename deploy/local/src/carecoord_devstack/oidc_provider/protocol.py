"""The OAuth 2.0 / OpenID Connect rules the development provider enforces, apart from routing.

A development provider that accepts anything would let a client bug pass locally and
fail at CIS2 or NHS login. So the checks a real provider makes are here, each small
enough to read at once: the registered client and exact redirect URI, `response_type`
`code`, the `openid` scope, PKCE with S256 (RFC 7636), client authentication by
`client_secret_basic` or `client_secret_post`, and the error shapes of RFC 6749. The
pages it shows are plain HTML with no script or style of its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from carecoord_devstack.oidc_provider.people import DemoIdentity

__all__ = [
    "DEV_CLIENT_ID",
    "DEV_CLIENT_SECRET",
    "AuthRequest",
    "ClientRegistration",
    "checked_request",
    "chooser_page",
    "client_credentials",
    "discovery_document",
    "oauth_error",
    "page",
    "pkce_matches",
    "portal_client",
    "read_form",
    "redirect",
]

DEV_CLIENT_ID = "carecoord-portal"
DEV_CLIENT_SECRET = "development-only-portal-client-secret"  # noqa: S105 - this provider only
_MAX_FORM_BYTES = 16_384
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_PASSED_ON = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce")
_PKCE = ("code_challenge", "code_challenge_method")


@dataclass(frozen=True, slots=True)
class ClientRegistration:
    """The one confidential client this provider knows, with its exact redirect URIs."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uris: frozenset[str]
    post_logout_redirect_uris: frozenset[str]

    @property
    def origins(self) -> str:
        """The client's origins, which the chooser page's form may end up at (CSP)."""
        found = {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in self.redirect_uris}
        return " ".join(sorted(found))


@dataclass(frozen=True, slots=True)
class AuthRequest:
    """A checked authorization request, waiting for the person to be chosen."""

    redirect_uri: str
    challenge: str
    nonce: str | None
    scope: str


def portal_client(
    portal_url: str = "http://127.0.0.1:8000",
    client_id: str = DEV_CLIENT_ID,
    client_secret: str = DEV_CLIENT_SECRET,
) -> ClientRegistration:
    """The portal as registered here: its `/auth/callback` and `/auth/signed-out` pages."""
    base = portal_url.rstrip("/")
    return ClientRegistration(
        client_id,
        client_secret,
        frozenset({f"{base}/auth/callback"}),
        frozenset({f"{base}/auth/signed-out"}),
    )


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded body, parsed here because the dev tooling has no form library."""
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        return {}
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}


def page(title: str, body: str, status: int = 200, form_origins: str = "") -> HTMLResponse:
    """A plain HTML page; `body` is already escaped HTML."""
    text = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
        '</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    # form-action also governs where a form's redirects may go: the client's callback.
    csp = f"default-src 'none'; form-action 'self' {form_origins}".strip()
    headers = {
        "Content-Security-Policy": f"{csp}; frame-ancestors 'none'",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return HTMLResponse(text, status_code=status, headers=headers)


def redirect(uri: str, params: dict[str, str | None]) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{separator}{query}" if query else uri, status_code=303)


def oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="token"'
    body = {"error": error, "error_description": description}
    return JSONResponse(body, status_code=status, headers=headers)


def checked_request(
    params: dict[str, str], client: ClientRegistration, issuer_url: str
) -> AuthRequest | Response:
    """The authorization request, or the error response it deserves (RFC 6749 4.1.2.1)."""
    redirect_uri = params.get("redirect_uri", "")
    if params.get("client_id") != client.client_id or redirect_uri not in client.redirect_uris:
        text = "<p>The client or its redirect URI is not registered with this provider.</p>"
        return page("Sign-in request refused", text, 400)  # never redirect to an unknown URI
    state = params.get("state")

    def refuse(error: str, description: str) -> Response:
        details = {"error": error, "error_description": description, "state": state}
        return redirect(redirect_uri, details | {"iss": issuer_url})

    if params.get("response_type") != "code":
        return refuse("unsupported_response_type", "only response_type=code is supported")
    scope = params.get("scope", "")
    if "openid" not in scope.split():
        return refuse("invalid_scope", "the openid scope is required")
    challenge = params.get("code_challenge", "")
    if params.get("code_challenge_method") != "S256" or not _CHALLENGE.fullmatch(challenge):
        return refuse("invalid_request", "PKCE with code_challenge_method=S256 is required")
    return AuthRequest(redirect_uri, challenge, params.get("nonce"), scope)


def chooser_page(
    params: dict[str, str], people: Iterable[DemoIdentity], client: ClientRegistration
) -> HTMLResponse:
    """One form that carries the request on, with a sign-in button per demo person."""
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">'
        for name in (*_PASSED_ON, *_PKCE)
        if name in params
    )
    staff: list[str] = []
    patients: list[str] = []
    for who in people:
        (patients if who.proofing_level else staff).append(
            f'<li><button type="submit" name="user" value="{html.escape(who.key)}">Sign in as '
            f"{html.escape(who.name)}</button> {html.escape(who.description)}</li>"
        )
    lists = (
        f"<h2>Staff (as CIS2 would sign them in)</h2><ul>{''.join(staff)}</ul>"
        f"<h2>Patients (as NHS login would)</h2><ul>{''.join(patients)}</ul>"
    )
    form = f'<form method="post" action="/authorize">{hidden}{lists}</form>'
    intro = "<p>Development sign-in: choose who to be. No password is asked.</p>"
    return page("Choose a demo user", intro + form, form_origins=client.origins)


def client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """The client id and secret from HTTP Basic (form-urlencoded parts) or the body."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
        except ValueError:
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return unquote(client_id), unquote(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def pkce_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) equals the challenge."""
    if not _VERIFIER.fullmatch(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, challenge)


def discovery_document(issuer_url: str) -> dict[str, Any]:
    endpoints = {
        "authorization_endpoint": "authorize",
        "token_endpoint": "token",
        "userinfo_endpoint": "userinfo",
        "jwks_uri": "jwks.json",
        "end_session_endpoint": "end-session",
    }
    return {
        "issuer": issuer_url,
        **{name: f"{issuer_url}/{path}" for name, path in endpoints.items()},
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile", "email"],
        "authorization_response_iss_parameter_supported": True,
        "claims_supported": [
            "sub",
            "name",
            "carecoord_role",
            "org",
            "nhsid_user_orgs",
            "nhs_number",
            "identity_proofing_level",
        ],
    }
