"""The client credentials grant (RFC 6749 4.4) for registered system clients.

A service that calls another with no person behind it (the portal reading referrals'
directory, or a notification's focus resource from its owning service for a partner's
full-resource subscription) is a system client, as in SMART Backend Services: it
authenticates at the token endpoint and asks for `system/...` scopes with
`grant_type=client_credentials`.
Here a client authenticates with its secret (`client_secret_basic` or
`client_secret_post`, as the portal's interactive client already does; SMART's
`private_key_jwt` would need the client's key registered here, which a development
stand-in gains nothing from). An unknown client or a wrong secret is 401
`invalid_client`; a scope beyond the registration is 400 `invalid_scope`; no refresh
token is issued (RFC 6749 4.4.3): the client asks again before the token expires.

The access token is minted like any other (`DevIssuer.mint`, role `system`, the client
id as subject), so every service verifies it as it verifies `carecoord token` output.
A client registered with no data-sharing agreement reads no patient's data.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from carecoord_shared.security.scopes import Scope, parse_scope

__all__ = [
    "DEV_SYSTEM_CLIENT_ID",
    "DEV_SYSTEM_CLIENT_SECRET",
    "PORTAL_SYSTEM_SCOPES",
    "SystemClient",
    "granted_scope",
    "system_clients_from_env",
    "token_response",
]

DEV_SYSTEM_CLIENT_ID = "carecoord-portal-system"
DEV_SYSTEM_CLIENT_SECRET = "development-only-portal-system-secret"  # noqa: S105 - dev only
_PORTAL_SYSTEM_SCOPES = "system/HealthcareService.rs"
PORTAL_SYSTEM_SCOPES = (
    "system/HealthcareService.rs system/CarePlan.rs system/CareTeam.rs system/Communication.rs"
    " system/CommunicationRequest.rs system/ServiceRequest.rs system/Task.rs"
)
"""The portal's client: the directory, and every subscription topic's focus type."""


@dataclass(frozen=True, slots=True)
class SystemClient:
    """A system client: its secret, the scopes it may be granted and its agreement."""

    client_id: str
    client_secret: str = field(repr=False)
    scopes: str = _PORTAL_SYSTEM_SCOPES
    agreement: str = ""
    """ODS codes whose patients it may read (`*`: all); empty: no patient data."""

    def authenticates(self, secret: str) -> bool:
        return secrets.compare_digest(secret.encode(), self.client_secret.encode())


def _covers(allowed: Iterable[Scope], wanted: Scope) -> bool:
    return any(
        a.context == wanted.context
        and a.resource_type in ("*", wanted.resource_type)
        and wanted.interactions <= a.interactions
        for a in allowed
    )


def granted_scope(client: SystemClient, requested: str) -> str | None:
    """The scope to grant (all the registration's when none is asked), or None when a
    requested scope is not a system scope the registration covers."""
    if not requested.strip():
        return client.scopes
    allowed = [s for s in map(parse_scope, client.scopes.split()) if s is not None]
    words = requested.split()
    for word in words:
        wanted = parse_scope(word)
        if wanted is None or wanted.context != "system" or not _covers(allowed, wanted):
            return None
    return " ".join(words)


def system_clients_from_env(env: Mapping[str, str] = os.environ) -> dict[str, SystemClient]:
    """The portal's system client (`CARECOORD_OIDC_SYSTEM_CLIENT_ID` / `_SECRET`, the
    development pair by default), allowed to read the directory's services and the
    subscription topics' focus resources. Its agreement covers every organisation: it
    reads a focus only for a partner whose own agreement, scope and the patient's
    Consent the portal checked first."""
    client = SystemClient(
        env.get("CARECOORD_OIDC_SYSTEM_CLIENT_ID", DEV_SYSTEM_CLIENT_ID),
        env.get("CARECOORD_OIDC_SYSTEM_CLIENT_SECRET", DEV_SYSTEM_CLIENT_SECRET),
        PORTAL_SYSTEM_SCOPES,
        agreement="*",
    )
    return {client.client_id: client}


def token_response(access_token: str, life_s: int, scope: str) -> dict[str, Any]:
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": life_s,
        "scope": scope,
    }
