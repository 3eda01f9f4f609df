"""Settings of the referrals service (environment prefix `REFERRALS_`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from carecoord_shared.settings import ServiceSettings


class ReferralsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REFERRALS_")

    service_name: str = "referrals"
    port: int = 8001
    topic: str = "carecoord.referrals.v1"
    care_plans_topic: str = "carecoord.careplans.v1"
    breach_warning_working_days: int = 1
    """Raise breach-imminent (and an escalation Task) this many working days before due."""
    breach_scan_seconds: float = 60.0
    """How often the worker looks for responses about to breach or breached."""
    advice_call_access_minutes: int = 60
    """How long a recorded advice call lets the paramedic read the patient's summary
    (local policy, to be confirmed by the ICS information governance lead)."""
    advice_calls_per_hour: int = 10
    """How many advice calls (each opening access to a patient) one paramedic may record
    in an hour; beyond it, 429 with Retry-After (break-glass remains)."""
    max_attachment_bytes: int = 512 * 1024
    """Largest attachment of a DocumentReference (inline data or declared size)."""
