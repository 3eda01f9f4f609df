"""Settings of the mdt service (environment prefix `MDT_`).

Meeting capacity and the auto-listing rules are local policy, so each is a setting:
DOMAIN.md gives 3.2 minutes a patient in a meeting (cancer MDTs, "measured elsewhere")
and monthly meetings, and no figure for the rules, so their thresholds are defaults
a locality can change without a release.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from carecoord_shared.settings import ServiceSettings
from mdt.domain.rules import RULES


class MdtSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MDT_")

    service_name: str = "mdt"
    port: int = 8003
    topic: str = "carecoord.mdt.v1"
    referrals_topic: str = "carecoord.referrals.v1"
    care_plans_topic: str = "carecoord.careplans.v1"

    meeting_minutes: int = Field(default=90, ge=10, le=480)
    minutes_per_case: float = Field(default=3.2, gt=0, le=120)
    meeting_interval_months: int = Field(default=1, ge=1, le=12)

    disabled_rules: tuple[str, ...] = ()
    """Auto-listing rules switched off (names in `mdt.domain.rules.RULES`; in the
    environment a JSON list: `MDT_DISABLED_RULES='["cohort-entered"]'`)."""
    repeat_advice_requests: int = Field(default=3, ge=2, le=50)
    """How many A&G requests for one patient within the window list them."""
    repeat_advice_window_days: int = Field(default=90, ge=1, le=730)
    recent_activity_days: int = Field(default=90, ge=1, le=730)
    """Referrals and advice calls this recent are attached to a case when it is prepared."""
    overdue_check_seconds: float = Field(default=300.0, gt=0)
    """How often the worker looks for overdue actions."""

    @field_validator("disabled_rules")
    @classmethod
    def _known_rules(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(RULES))
        if unknown:
            raise ValueError(f"unknown rules {unknown}; the rules are {', '.join(RULES)}")
        return value
