"""Settings of the mdt service (environment prefix `MDT_`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from carecoord_shared.settings import ServiceSettings


class MdtSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MDT_", extra="ignore", frozen=True)

    service_name: str = "mdt"
    port: int = 8003
    database_name: str = "mdt"
    topic: str = "carecoord.mdt.v1"
    """The topic this service publishes on (tests use their own)."""
