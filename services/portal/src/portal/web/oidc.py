"""The portal as an OpenID Connect confidential client: authorization code with PKCE.

Built on httpx and joserfc, which the project already depends on, rather than authlib:
authlib's web-framework clients keep the login state in a cookie session
(SessionMiddleware), while ours lives server-side beside the session, and its JOSE
layer is superseded by joserfc, which the services already use to verify tokens. What
remains is small and checked here: discovery (the document must name the issuer we were
configured with), the authorization URL, the code exchange (`client_secret_basic`,
with the PKCE verifier), and ID token verification with the provider's JWKS through the
shared `JwksCache` (asymmetric algorithms only, key by `kid`, issuer, audience, expiry,
issue time and our nonce). Failures raise `SignInFailed` with a reason code for the log;
no token, code or claim value is ever put in a message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from carecoord_shared.security.jwks import JwksCache, JwksUnavailable, VerificationKey
from portal.web.security import Pkce

__all__ = ["OidcClient", "ProviderMetadata", "SignInFailed", "TokenSet"]

_ALGORITHMS = {"RS256": "RSA", "ES256": "EC"}
_LEEWAY_S = 60


class SignInFailed(Exception):
    """Sign-in could not be completed. `reason` is a short code, safe to log and to show."""

    def __init__(self, reason: str, *, provider_unavailable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.provider_unavailable = provider_unavailable


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None


@dataclass(frozen=True, slots=True)
class TokenSet:
    access_token: str = field(repr=False)
    id_token: str = field(repr=False)
    expires_in: int


class OidcClient:
    """One provider, one client registration; discovery and keys are fetched once and kept."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        *,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuer = issuer.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._timeout_s = timeout_s
        self._transport = transport
        self._clock = clock
        self._metadata: ProviderMetadata | None = None
        self._keys: JwksCache | None = None
        self._lock = asyncio.Lock()

    async def metadata(self) -> ProviderMetadata:
        if self._metadata is None:
            async with self._lock:
                if self._metadata is None:
                    self._metadata = await self._discover()
        return self._metadata

    async def authorization_url(
        self, *, redirect_uri: str, scope: str, state: str, nonce: str, pkce: Pkce
    ) -> str:
        endpoint = (await self.metadata()).authorization_endpoint
        query = {
            "response_type": "code",
            "client_id": self._client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce.challenge,
            "code_challenge_method": pkce.method,
        }
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"

    async def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> TokenSet:
        """The tokens for `code` (RFC 6749 4.1.3 with the PKCE verifier)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        # RFC 6749 2.3.1: id and secret are form-urlencoded before Basic encoding.
        auth = httpx.BasicAuth(quote(self._client_id, safe=""), quote(self._client_secret, safe=""))
        endpoint = (await self.metadata()).token_endpoint
        body = await self._call("POST", endpoint, data=form, auth=auth)
        access, id_token = body.get("access_token"), body.get("id_token")
        if not isinstance(access, str) or not isinstance(id_token, str):
            raise SignInFailed("token_response_incomplete")
        if str(body.get("token_type", "")).lower() != "bearer":
            raise SignInFailed("token_type_not_bearer")
        expires_in = body.get("expires_in")
        return TokenSet(access, id_token, expires_in if isinstance(expires_in, int) else 300)

    async def verify_id_token(self, id_token: str, nonce: str) -> dict[str, object]:
        """The ID token's claims once its signature, issuer, audience, times and nonce hold."""
        try:
            header = jws.extract_compact(id_token.encode("ascii")).headers()
        except (JoseError, ValueError, TypeError, UnicodeError):
            raise SignInFailed("id_token_malformed") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in _ALGORITHMS or not isinstance(kid, str):
            raise SignInFailed("id_token_algorithm_refused")
        key = await self._key(kid)
        if key.key_type != _ALGORITHMS[alg]:
            raise SignInFailed("id_token_key_mismatch")
        try:
            claims = jwt.decode(id_token, key, algorithms=[alg]).claims
            self._registry(nonce).validate(claims)
        except (JoseError, ValueError, TypeError):
            raise SignInFailed("id_token_invalid") from None
        audience = claims.get("aud")
        if (
            isinstance(audience, list)
            and len(audience) > 1
            and claims.get("azp") != self._client_id
        ):
            raise SignInFailed("id_token_invalid")
        return claims

    async def end_session_url(
        self, id_token_hint: str | None, post_logout_redirect_uri: str
    ) -> str | None:
        """RP-initiated logout at the provider, or None when it offers none."""
        endpoint = (await self.metadata()).end_session_endpoint
        if endpoint is None:
            return None
        query = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": self._client_id}
        if id_token_hint is not None:
            query["id_token_hint"] = id_token_hint
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"

    def _registry(self, nonce: str) -> JWTClaimsRegistry:
        return JWTClaimsRegistry(
            now=lambda: int(self._clock()),
            leeway=_LEEWAY_S,
            iss={"essential": True, "value": self._issuer},
            aud={"essential": True, "value": self._client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )

    async def _key(self, kid: str) -> VerificationKey:
        if self._keys is None:
            jwks_uri = (await self.metadata()).jwks_uri
            self._keys = JwksCache(jwks_uri, transport=self._transport, timeout_s=self._timeout_s)
        try:
            key = await self._keys.key(kid)
        except JwksUnavailable:
            raise SignInFailed("provider_keys_unavailable", provider_unavailable=True) from None
        if key is None:
            raise SignInFailed("id_token_key_unknown")
        return key

    async def _discover(self) -> ProviderMetadata:
        document = await self._call("GET", f"{self._issuer}/.well-known/openid-configuration")
        if document.get("issuer") != self._issuer:  # OpenID Connect Discovery 4.3
            raise SignInFailed("discovery_issuer_mismatch")
        try:
            return ProviderMetadata(
                issuer=self._issuer,
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
                jwks_uri=str(document["jwks_uri"]),
                end_session_endpoint=document.get("end_session_endpoint"),
            )
        except KeyError:
            raise SignInFailed("discovery_incomplete") from None

    async def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(
                transport=self._transport, timeout=self._timeout_s, follow_redirects=False
            ) as client:
                response = await client.request(
                    method, url, headers={"Accept": "application/json"}, **kwargs
                )
        except httpx.HTTPError:
            raise SignInFailed("provider_unreachable", provider_unavailable=True) from None
        if response.status_code >= 500:
            raise SignInFailed("provider_error", provider_unavailable=True)
        if response.status_code != 200:
            raise SignInFailed("provider_refused")
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise SignInFailed("provider_answer_not_json")
        return body
