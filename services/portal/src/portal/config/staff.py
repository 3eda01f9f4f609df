"""Settings of the staff face (environment prefix `PORTAL_`, mixed into PortalSettings)."""

from __future__ import annotations

from pydantic_settings import BaseSettings


class StaffSettings(BaseSettings):
    pass
