"""The portal's own system token, by the OAuth 2.0 client credentials grant.

Reading referrals' directory (the front door) or a notification's focus resource from
its owning service (full-resource subscriptions) is the portal acting by itself, with
no person behind it, so it is a system client in the shape of SMART Backend Services:
one client, one token per purpose (`kept_token`, per scope, so each read asks only for
what it needs: `system/HealthcareService.rs` for the directory, the focus types' read
scopes for deliveries). It finds the token endpoint in its issuer's discovery
document (`/.well-known/openid-configuration`), asks for
`grant_type=client_credentials` with the purpose's system scope, authenticating with
`client_secret_basic` (the development provider's and the portal's sign-in client's
method; a production issuer wanting `private_key_jwt` would need only the assertion
added here), and keeps the token until shortly before it expires, then asks again
(no refresh token exists in this grant). Every failure is `TokenRefused` with a short
reason that names no secret and no token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import httpx
from pydantic import SecretStr

__all__ = ["ClientSettings", "SystemToken", "TokenRefused", "kept_token", "portal_system_token"]

_DISCOVERY = "/.well-known/openid-configuration"


class TokenRefused(Exception):
    """No token: `reason` is short and safe to log (never a secret or a token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class SystemToken:
    """One client's current access token at one issuer, renewed before it expires."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str
    clock: Callable[[], float] = time.time
    timeout_s: float = 5.0
    renew_before_s: float = 30.0
    """Ask again this long before expiry (at most a tenth of the token's life)."""
    fetched: int = 0
    """How many tokens this client was given (for the log and the tests)."""
    _token: str | None = field(default=None, repr=False)
    _renew_at: float = float("-inf")
    _token_endpoint: str | None = None

    async def bearer(self) -> str:
        """A token good for now: the kept one, or a new one (TokenRefused: none)."""
        if self._token is None or self.clock() >= self._renew_at:
            self._token = None
            self._token, life = await self._fetch()
            self._renew_at = self.clock() + life - min(self.renew_before_s, life / 10)
            self.fetched += 1
        return self._token

    def forget(self) -> None:
        """The token was refused where it was used: ask for a new one next time."""
        self._token = None

    async def _fetch(self) -> tuple[str, float]:
        async with httpx.AsyncClient(timeout=self.timeout_s) as http:
            endpoint = self._token_endpoint or await self._discover(http)
            form = {"grant_type": "client_credentials", "scope": self.scope}
            try:
                answer = await http.post(
                    endpoint, data=form, auth=(self.client_id, self.client_secret)
                )
            except httpx.HTTPError:
                raise TokenRefused("the issuer's token endpoint did not answer") from None
        body = _json(answer)
        if answer.status_code != 200:
            raise TokenRefused(f"{answer.status_code} {str(body.get('error', ''))[:40]}".strip())
        token, life = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(life, int) or life <= 0:
            raise TokenRefused("the issuer's token response lacks a token or its lifetime")
        return token, float(life)

    async def _discover(self, http: httpx.AsyncClient) -> str:
        try:
            answer = await http.get(self.issuer.rstrip("/") + _DISCOVERY)
        except httpx.HTTPError:
            raise TokenRefused("the issuer's discovery document did not answer") from None
        body = _json(answer)
        endpoint = body.get("token_endpoint")
        if answer.status_code != 200 or body.get("issuer") != self.issuer.rstrip("/"):
            raise TokenRefused("the issuer's discovery document is not the issuer's")
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
            raise TokenRefused("the issuer's discovery document names no token endpoint")
        self._token_endpoint = endpoint
        return endpoint


def _json(answer: httpx.Response) -> dict[str, object]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


_KEPT: dict[tuple[str, str, str, str], SystemToken] = {}


def kept_token(issuer: str, client_id: str, client_secret: str, scope: str) -> SystemToken:
    """This process's token for that client and scope, kept (so renewed before it
    expires, never fetched per use)."""
    key = (issuer.rstrip("/"), client_id, client_secret, scope)
    if key not in _KEPT:
        _KEPT[key] = SystemToken(issuer, client_id, client_secret, scope)
    return _KEPT[key]


class ClientSettings(Protocol):
    """The portal's system client settings (one client for the portal)."""

    @property
    def front_door_directory_client_id(self) -> str | None: ...

    @property
    def front_door_directory_client_secret(self) -> SecretStr | None: ...

    @property
    def front_door_directory_issuer(self) -> str | None: ...

    @property
    def oidc_issuer(self) -> str: ...


def portal_system_token(settings: ClientSettings, scope: str) -> SystemToken | None:
    """The portal's system client (its `front_door_directory_client_*` settings: one
    client for the portal) asking for `scope`, kept; None: no client configured."""
    client_id = settings.front_door_directory_client_id
    secret = settings.front_door_directory_client_secret
    if not client_id or secret is None:
        return None
    issuer = settings.front_door_directory_issuer or settings.oidc_issuer
    return kept_token(issuer, client_id, secret.get_secret_value(), scope)
