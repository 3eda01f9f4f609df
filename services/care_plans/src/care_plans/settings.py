"""Settings of the care_plans service (environment prefix `CARE_PLANS_`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from carecoord_shared.settings import ServiceSettings


class CarePlansSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CARE_PLANS_")

    service_name: str = "care_plans"
    port: int = 8002
    topic: str = "carecoord.careplans.v1"
    referrals_topic: str = "carecoord.referrals.v1"
    mdt_topic: str = "carecoord.mdt.v1"
    housekeeping_interval_s: float = 60.0
    """How often the worker lets cover lapse and announces reviews that fell due."""
