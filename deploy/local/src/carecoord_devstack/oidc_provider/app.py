"""The development OIDC provider's app: endpoints, codes and tokens held in memory.

Access tokens come from `DevIssuer.mint`, the same minting `carecoord token` uses, so a
service verifies a portal user's token exactly as any other; ID tokens are signed with
the same key but name this provider as issuer and the client as audience. Codes live
60 seconds and are spent on first presentation, even a refused one.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from carecoord_devstack.oidc_provider.people import DemoIdentity, demo_identities, profile_claims
from carecoord_devstack.oidc_provider.protocol import (
    AuthRequest,
    ClientRegistration,
    checked_request,
    chooser_page,
    client_credentials,
    discovery_document,
    oauth_error,
    page,
    pkce_matches,
    portal_client,
    read_form,
    redirect,
)
from carecoord_devstack.oidc_provider.system_clients import (
    SystemClient,
    granted_scope,
    token_response,
)
from carecoord_shared.security.dev_issuer import DEV_AUDIENCES, DevIssuer
from carecoord_shared.settings import DEV_ISSUER

__all__ = ["create_oidc_app"]

_CODE_LIFETIME_S = 60
_NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True, slots=True)
class _Grant:
    request: AuthRequest
    identity: DemoIdentity
    expires_at: float


class _Tokens:
    """Mints the token response for a grant and remembers access tokens for userinfo."""

    def __init__(
        self,
        issuer: DevIssuer,
        issuer_url: str,
        client_id: str,
        access: tuple[str, str | Sequence[str]],
        life: int,
    ) -> None:
        self._issuer, self._issuer_url, self._client_id = issuer, issuer_url, client_id
        self._access_issuer, self._audience = access
        self._life = life
        issuer.jwks()  # creates the key pair on first use
        self.key = RSAKey.import_key(json.loads(issuer.key_file.read_text()))
        self._issued: dict[str, tuple[DemoIdentity, float]] = {}

    def response(self, grant: _Grant) -> dict[str, Any]:
        who, now = grant.identity, int(time.time())
        access = self._access_token(who, grant.request.scope, now)
        self._issued = {t: e for t, e in self._issued.items() if e[1] > now}
        self._issued[access] = (who, now + self._life)
        claims = profile_claims(who) | {"iss": self._issuer_url, "aud": self._client_id}
        claims |= {"iat": now, "exp": now + self._life, "auth_time": now}
        if grant.request.nonce:
            claims["nonce"] = grant.request.nonce
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self._life,
            "id_token": self._sign(claims),
            "scope": grant.request.scope,
        }

    def jwks(self) -> dict[str, Any]:
        return self._issuer.jwks()

    def system_response(self, client: SystemClient, scope: str, life: int) -> dict[str, Any]:
        """A client credentials grant: a `system` token naming the client, no ID token."""
        access = self._issuer.mint(
            "system",
            user=client.client_id,
            scopes=scope,
            lifetime_s=life,
            audience=self._audience,
            issuer=self._access_issuer,
            agreement=client.agreement,
        )
        return token_response(access, life, scope)

    def holder(self, access_token: str) -> DemoIdentity | None:
        entry = self._issued.get(access_token)
        return entry[0] if entry is not None and entry[1] > time.time() else None

    def revoke(self, id_token_hint: str) -> None:
        """Forget the access tokens of the hint's subject (its signature must be ours)."""
        try:
            subject = jwt.decode(id_token_hint, self.key, ["RS256"]).claims.get("sub")
        except (JoseError, ValueError):
            return
        self._issued = {t: e for t, e in self._issued.items() if e[0].subject != subject}

    def _access_token(self, who: DemoIdentity, scope: str, now: int) -> str:
        if who.role == "patient" and not who.nhs_number:
            # P0 has no NHS number: a token for this provider's userinfo, useless elsewhere.
            claims: dict[str, Any] = {
                "iss": self._issuer_url,
                "aud": f"{self._issuer_url}/userinfo",
            }
            claims |= {"sub": who.subject, "scope": scope, "iat": now, "exp": now + self._life}
            return self._sign(claims)
        token = self._issuer.mint(
            who.role,
            organisation=who.organisation,
            user=who.subject,
            nhs_number=who.nhs_number,
            lifetime_s=self._life,
            audience=self._audience,
            issuer=self._access_issuer,
            issued_at=now,
        )
        if who.proofing_level is None:
            return token
        # NHS login's level travels with the patient's token too, for the services' use.
        minted = jwt.decode(token, self.key, ["RS256"]).claims
        return self._sign(minted | {"identity_proofing_level": who.proofing_level})

    def _sign(self, claims: dict[str, Any]) -> str:
        header = {"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self.key, ["RS256"])


class _Provider:
    """The endpoints, over the registered client, the demo people and the codes in flight."""

    def __init__(
        self,
        issuer_url: str,
        registered: ClientRegistration,
        tokens: _Tokens,
        systems: tuple[dict[str, SystemClient], int],
    ) -> None:
        self.issuer_url = issuer_url
        self.registered = registered
        self.tokens = tokens
        self.systems, self.system_life = systems
        self.people = {who.key: who for who in demo_identities()}
        self.codes: dict[str, _Grant] = {}

    async def healthz(self) -> JSONResponse:
        """Liveness for the launcher, as every CareCoord process serves it."""
        return JSONResponse({"status": "ok"})

    async def discovery(self) -> JSONResponse:
        return JSONResponse(discovery_document(self.issuer_url))

    async def jwks(self) -> JSONResponse:
        return JSONResponse(self.tokens.jwks())

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        checked = checked_request(params, self.registered, self.issuer_url)
        if not isinstance(checked, AuthRequest):
            return checked
        return chooser_page(params, self.people.values(), self.registered)

    async def chosen(self, request: Request) -> Response:
        params = await read_form(request)
        checked = checked_request(params, self.registered, self.issuer_url)
        if not isinstance(checked, AuthRequest):
            return checked
        who = self.people.get(params.get("user", ""))
        if who is None:
            return page("Unknown demo user", "<p>Go back and choose one from the list.</p>", 400)
        code = secrets.token_urlsafe(32)
        self.codes[code] = _Grant(checked, who, time.time() + _CODE_LIFETIME_S)
        answer = {"code": code, "state": params.get("state"), "iss": self.issuer_url}
        return redirect(checked.redirect_uri, answer)

    async def token(self, request: Request) -> Response:
        form = await read_form(request)
        client_id, secret = client_credentials(request, form)
        if client_id in self.systems:
            return self._system_token(self.systems[client_id], secret, form)
        known = secrets.compare_digest(secret.encode(), self.registered.client_secret.encode())
        if client_id != self.registered.client_id or not known:
            return oauth_error(401, "invalid_client", "client authentication failed")
        if form.get("grant_type") == "client_credentials":
            return oauth_error(400, "unauthorized_client", "not registered as a system client")
        if form.get("grant_type") != "authorization_code":
            return oauth_error(400, "unsupported_grant_type", "authorization_code only")
        grant = self.codes.pop(form.get("code", ""), None)  # spent now, even if refused below
        if grant is None or grant.expires_at < time.time():
            return oauth_error(400, "invalid_grant", "the code is unknown, used or expired")
        if grant.request.redirect_uri != form.get("redirect_uri"):
            return oauth_error(400, "invalid_grant", "redirect_uri differs from the request")
        if not pkce_matches(form.get("code_verifier", ""), grant.request.challenge):
            return oauth_error(400, "invalid_grant", "code_verifier does not match")
        return JSONResponse(self.tokens.response(grant), headers=_NO_STORE)

    def _system_token(self, client: SystemClient, secret: str, form: dict[str, str]) -> Response:
        if not client.authenticates(secret):
            return oauth_error(401, "invalid_client", "client authentication failed")
        if form.get("grant_type") != "client_credentials":
            return oauth_error(400, "unauthorized_client", "a system client: client_credentials")
        scope = granted_scope(client, form.get("scope", ""))
        if scope is None:
            return oauth_error(400, "invalid_scope", "a scope the client is not registered for")
        answer = self.tokens.system_response(client, scope, self.system_life)
        return JSONResponse(answer, headers=_NO_STORE)

    async def userinfo(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        who = self.tokens.holder(header[7:]) if header.lower().startswith("bearer ") else None
        if who is None:
            challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            return JSONResponse({"error": "invalid_token"}, status_code=401, headers=challenge)
        return JSONResponse(profile_claims(who), headers=_NO_STORE)

    async def end_session(self, request: Request) -> Response:
        params = dict(request.query_params) | await read_form(request)
        if params.get("id_token_hint"):
            self.tokens.revoke(params["id_token_hint"])
        target = params.get("post_logout_redirect_uri")
        if target in self.registered.post_logout_redirect_uris:
            return redirect(target, {"state": params.get("state")})
        return page("Signed out", "<p>You are signed out of the development provider.</p>")


def create_oidc_app(
    issuer_folder: Path,
    issuer_url: str,
    *,
    client: ClientRegistration | None = None,
    audience: str | Sequence[str] = DEV_AUDIENCES,
    access_token_issuer: str = DEV_ISSUER,
    token_lifetime_s: int = 3600,
    system_clients: Iterable[SystemClient] = (),
    system_token_lifetime_s: int = 300,
) -> FastAPI:
    """The provider at `issuer_url`, signing with the development key in `issuer_folder`.

    Access tokens carry `access_token_issuer` and `audience`, the values the services
    trust (their `*_AUTH_ISSUER` / `*_AUTH_AUDIENCE`); ID tokens carry `issuer_url`.
    `system_clients` may use the client credentials grant (`system_clients`), for
    tokens of `system_token_lifetime_s` (5 minutes, as SMART Backend Services advises)."""
    issuer_url = issuer_url.rstrip("/")
    registered = client or portal_client()
    access = (access_token_issuer, audience)
    tokens = _Tokens(
        DevIssuer(issuer_folder), issuer_url, registered.client_id, access, token_lifetime_s
    )
    systems = ({c.client_id: c for c in system_clients}, system_token_lifetime_s)
    provider = _Provider(issuer_url, registered, tokens, systems)
    app = FastAPI(title="CareCoord development OIDC provider", docs_url=None, redoc_url=None)
    app.add_api_route("/healthz", provider.healthz, methods=["GET"])
    app.add_api_route("/readyz", provider.healthz, methods=["GET"])
    app.add_api_route("/.well-known/openid-configuration", provider.discovery, methods=["GET"])
    app.add_api_route("/jwks.json", provider.jwks, methods=["GET"])
    app.add_api_route("/authorize", provider.authorize, methods=["GET"])
    app.add_api_route("/authorize", provider.chosen, methods=["POST"])
    app.add_api_route("/token", provider.token, methods=["POST"])
    app.add_api_route("/userinfo", provider.userinfo, methods=["GET"])
    app.add_api_route("/end-session", provider.end_session, methods=["GET", "POST"])
    return app
