"""Settings of the portal service (environment prefix `PORTAL_`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from carecoord_shared.settings import ServiceSettings


class PortalSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore", frozen=True)

    service_name: str = "portal"
    port: int = 8000
    database_name: str = "portal"
    topic: str = "carecoord.portal.v1"
    """The topic this service publishes on (tests use their own)."""
