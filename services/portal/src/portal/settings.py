"""Settings of the portal service (environment prefix `PORTAL_`).

Besides what every service has: the OpenID Connect client the staff and patient pages
sign in with (CIS2 / NHS login in production, the development provider here), and the
key its forms are protected with. Outside development the development defaults are
refused, as the kernel refuses its own.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from carecoord_shared.settings import ServiceSettings
from portal.config.front_door import FrontDoorSettings
from portal.config.staff import StaffSettings
from portal.config.subscriptions import SubscriptionsSettings

DEV_CLIENT_SECRET = "development-only-portal-client-secret"  # noqa: S105 - refused in production
DEV_CSRF_SECRET = "development-only-csrf-key-of-at-least-32-bytes!"  # noqa: S105


def _oidc_issuer() -> str:
    port = os.environ.get("CARECOORD_OIDC_PORT", "8090")
    return os.environ.get("CARECOORD_OIDC_URL", f"http://127.0.0.1:{port}")


class PortalSettings(StaffSettings, FrontDoorSettings, SubscriptionsSettings, ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore", frozen=True)

    service_name: str = "portal"
    port: int = 8000
    database_name: str = "portal"
    topic: str = "carecoord.portal.v1"
    """The topic this service publishes on (tests use their own)."""
    oidc_issuer: str = Field(default_factory=_oidc_issuer)
    oidc_client_id: str = "carecoord-portal"
    oidc_client_secret: str = Field(default=DEV_CLIENT_SECRET, repr=False)
    csrf_secret: str = Field(default=DEV_CSRF_SECRET, min_length=32, repr=False)
    frontend_modules: Path | None = None
    """Where the npm-installed frontend assets are (the image's copy); default: the
    checkout's services/portal/frontend/node_modules."""

    @model_validator(mode="after")
    def _refuse_development_secrets(self) -> PortalSettings:
        if self.environment == "production" and (
            self.oidc_client_secret == DEV_CLIENT_SECRET or self.csrf_secret == DEV_CSRF_SECRET
        ):
            raise ValueError("set the portal's OIDC client secret and CSRF key in production")
        return self
