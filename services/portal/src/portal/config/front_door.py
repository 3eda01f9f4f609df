"""Settings of the front door face (environment prefix `PORTAL_`, mixed into PortalSettings).

The rule set and directory files are loaded and checked when settings are built, so
the API and the worker refuse to start on a rule file with any mistake in it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings

from portal.service.front_door_rules import DEFAULT_DIRECTORY, DEFAULT_RULES, load_front_door

_DEV = "development-only-"
"""How the development provider's secrets begin (never good outside development)."""


class FrontDoorSettings(BaseSettings):
    front_door_rules: Path = DEFAULT_RULES
    """The versioned rule file (red flags, routes, exclusions, escalation plans)."""
    front_door_directory: Path = DEFAULT_DIRECTORY
    """The services the front door routes to, with their hours: the shipped copy, used
    until referrals' directory has been read (and whenever it never has)."""
    front_door_directory_client_id: str | None = None
    """The portal as a system client (client credentials grant) for reading referrals'
    directory (the front door's HealthcareServices); unset (and no static token): the
    directory file alone is used."""
    front_door_directory_client_secret: SecretStr | None = None
    """... its secret (`client_secret_basic` at the issuer's token endpoint)."""
    front_door_directory_scope: str = "system/HealthcareService.rs"
    """... the system scope it asks for."""
    front_door_directory_issuer: str | None = None
    """... the issuer whose discovery document names the token endpoint (default: the
    sign-in issuer, `PORTAL_OIDC_ISSUER`)."""
    front_door_directory_token: SecretStr | None = None
    """A static system token instead of the client (overrides it; never renewed)."""
    front_door_directory_refresh_s: float = Field(default=60.0, ge=0, le=86_400)
    """How old the copy of referrals' directory may grow before it is read again."""
    front_door_max_text: int = Field(default=2000, ge=100, le=20_000)
    """The longest free-text description a patient may send (characters)."""
    front_door_careplans_topic: str = "carecoord.careplans.v1"
    """Where care_plans' events (plans, co-ordinators) arrive for the read model."""
    front_door_referrals_topic: str = "carecoord.referrals.v1"
    """Where referrals' events arrive (an A&G answered or a referral accepted: feedback)."""
    front_door_mdt_topic: str = "carecoord.mdt.v1"
    """Where mdt's events arrive (an MDT outcome recorded: feedback)."""
    front_door_duty_clinician: str = "Practitioner/duty-clinician"
    """Who the practice's urgent Tasks are owned by (a PractitionerRole or Practitioner)."""
    front_door_callback_chase_minutes: int = Field(default=15, ge=1, le=240)
    """A red-flag callback still unrecorded (or not reached) this long after the red flag:
    chase the duty clinician and the named co-ordinator (hazard O2)."""
    front_door_callback_practice_minutes: int = Field(default=30, ge=2, le=480)
    """... and this long: escalate to the practice."""
    front_door_reply_chase_hours: int = Field(default=24, ge=1, le=240)
    """A request for the practice or co-ordinator unanswered this long: chase the duty
    clinician and the named co-ordinator (hazard O4)."""
    front_door_reply_practice_hours: int = Field(default=48, ge=2, le=480)
    """... and this long: escalate to the practice."""
    front_door_message_chase_hours: int = Field(default=24, ge=1, le=240)
    """A patient's message on a thread (answered request or not) nobody of the team has
    read this long: chase the duty clinician and the named co-ordinator (hazard O5).
    Elapsed hours: the kernel has no working-day clock yet."""
    front_door_message_practice_hours: int = Field(default=48, ge=2, le=480)
    """... and this long: escalate to the practice."""
    front_door_chase_interval_s: float = Field(default=60.0, gt=0, le=3600)
    """How often the chasers look for overdue callbacks and replies."""

    @model_validator(mode="after")
    def _rules_load(self) -> FrontDoorSettings:
        load_front_door(self.front_door_rules, self.front_door_directory)
        if bool(self.front_door_directory_client_id) != bool(
            self.front_door_directory_client_secret
        ):
            raise ValueError("the directory's system client needs both its id and its secret")
        secret = self.front_door_directory_client_secret
        production = getattr(self, "environment", None) == "production"
        if production and secret is not None and secret.get_secret_value().startswith(_DEV):
            raise ValueError("set the portal's own system client secret in production")
        for first, second in (
            (self.front_door_callback_chase_minutes, self.front_door_callback_practice_minutes),
            (self.front_door_reply_chase_hours, self.front_door_reply_practice_hours),
            (self.front_door_message_chase_hours, self.front_door_message_practice_hours),
        ):
            if second <= first:
                raise ValueError("the practice is told after the duty clinician, never before")
        return self
