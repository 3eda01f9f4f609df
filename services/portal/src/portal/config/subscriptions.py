"""Settings of the subscriptions face (environment prefix `PORTAL_`, mixed into PortalSettings)."""

from __future__ import annotations

from pydantic_settings import BaseSettings


class SubscriptionsSettings(BaseSettings):
    pass
