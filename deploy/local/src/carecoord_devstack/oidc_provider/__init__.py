"""A development OpenID Connect provider standing in for CIS2 (staff) and NHS login (patients).

The portal is a confidential OIDC client (authorization code + PKCE). In production it
signs people in at CIS2 or NHS login; on a developer machine and in tests there is
neither, yet the portal must run the very same sign-in code. This provider is that
stand-in: discovery, an authorize page to choose a demo user, token, JWKS, userinfo and
end-session, signing with the development issuer's key (`DevIssuer`, kept in
`.run/dev-issuer/`) so the services accept its access tokens as they accept
`carecoord token` output.

It refuses what a real provider refuses and a client could get wrong (`protocol`), keeps
codes and tokens in memory (a restart signs everyone out) and keeps no sign-in session of
its own: every authorize shows the chooser, so signing out at the portal really ends
access. Patients carry NHS login's `identity_proofing_level` (P0/P5/P9); P5 and P9 also
carry the NHS number, while P0 (email and phone only) has none, so its access token is
good at `/userinfo` only and the services refuse it, as they should. Registered system
clients get `system` tokens by the client credentials grant (`system_clients`).

Run it alone with `python -m carecoord_devstack.oidc_provider` (port from
`CARECOORD_OIDC_PORT`, default 8090).
"""

from __future__ import annotations

import os

from carecoord_devstack.oidc_provider.app import create_oidc_app
from carecoord_devstack.oidc_provider.people import DemoIdentity, demo_identities, profile_claims
from carecoord_devstack.oidc_provider.protocol import (
    DEV_CLIENT_ID,
    DEV_CLIENT_SECRET,
    ClientRegistration,
    portal_client,
)
from carecoord_devstack.oidc_provider.system_clients import (
    DEV_SYSTEM_CLIENT_ID,
    DEV_SYSTEM_CLIENT_SECRET,
    SystemClient,
    system_clients_from_env,
)

__all__ = [
    "DEV_CLIENT_ID",
    "DEV_CLIENT_SECRET",
    "DEV_SYSTEM_CLIENT_ID",
    "DEV_SYSTEM_CLIENT_SECRET",
    "ClientRegistration",
    "DemoIdentity",
    "SystemClient",
    "create_oidc_app",
    "demo_identities",
    "main",
    "portal_client",
    "profile_claims",
]


def main() -> None:
    """Serve the provider on 127.0.0.1 for the local stack, configured from the environment.

    `CARECOORD_OIDC_PORT` (8090), `CARECOORD_OIDC_ISSUER` (its own URL),
    `CARECOORD_PORTAL_URL` (http://127.0.0.1:8000: where the portal's callback is), and
    `CARECOORD_OIDC_CLIENT_ID` / `CARECOORD_OIDC_CLIENT_SECRET` (the development pair);
    the portal's system client (client credentials) from `CARECOORD_OIDC_SYSTEM_CLIENT_ID`
    / `CARECOORD_OIDC_SYSTEM_CLIENT_SECRET`."""
    import uvicorn

    from carecoord_devstack.tokens import dev_issuer_folder

    port = int(os.environ.get("CARECOORD_OIDC_PORT", "8090"))
    issuer_url = os.environ.get("CARECOORD_OIDC_ISSUER", f"http://127.0.0.1:{port}")
    client = portal_client(
        os.environ.get("CARECOORD_PORTAL_URL", "http://127.0.0.1:8000"),
        os.environ.get("CARECOORD_OIDC_CLIENT_ID", DEV_CLIENT_ID),
        os.environ.get("CARECOORD_OIDC_CLIENT_SECRET", DEV_CLIENT_SECRET),
    )
    systems = system_clients_from_env().values()
    app = create_oidc_app(dev_issuer_folder(), issuer_url, client=client, system_clients=systems)
    host = os.environ.get("CARECOORD_OIDC_HOST", "127.0.0.1")  # 0.0.0.0 in a container
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
