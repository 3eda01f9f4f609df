"""Settings of the staff face (environment prefix `PORTAL_`, mixed into PortalSettings).

The staff pages are a backend for the frontend: they call the other services' FHIR APIs
with the signed-in user's own token, so the only thing the face needs to know is where
those services are and how long a page may wait for one before saying it is down.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

__all__ = ["StaffSettings"]


class StaffSettings(BaseSettings):
    referrals_url: str = "http://127.0.0.1:8001"
    """The referrals service (A&G, triage, directory): `PORTAL_REFERRALS_URL`."""
    care_plans_url: str = "http://127.0.0.1:8002"
    """The care plans service: `PORTAL_CARE_PLANS_URL`."""
    mdt_url: str = "http://127.0.0.1:8003"
    """The MDT service: `PORTAL_MDT_URL`."""
    service_timeout_s: float = Field(default=5.0, gt=0)
    """How long a page waits for another service before showing that part as down."""
