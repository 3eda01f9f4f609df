"""Settings of the subscriptions face (environment prefix `PORTAL_`, mixed into PortalSettings).

The topics delivery consumes (one consumer group over all of them), where the other
services' resources a notification is about are served (focus URLs are absolute for
partners; the portal's own are at the kernel's `fhir_base`, under `PORTAL_PUBLIC_BASE_URL`),
and the clocks of the delivery loop.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class SubscriptionsSettings(BaseSettings):
    referrals_topic: str = "carecoord.referrals.v1"
    care_plans_topic: str = "carecoord.careplans.v1"
    mdt_topic: str = "carecoord.mdt.v1"
    referrals_fhir_base: str = "http://127.0.0.1:8001/fhir"
    care_plans_fhir_base: str = "http://127.0.0.1:8002/fhir"
    mdt_fhir_base: str = "http://127.0.0.1:8003/fhir"
    delivery_interval_s: float = Field(default=0.1, gt=0)
    """The pause between the delivery loop's ticks; each tick asks the database which
    subscriptions have work (the safety net: new notifications wake the loop at once)."""
    delivery_listen_s: float = Field(default=1.0, ge=0)
    """How long a tick listens for the consumer's notices before the job returns."""
    delivery_linger_s: float = Field(default=1.0, ge=0)
    """How long a round that sent everything keeps its lease, waiting for more."""
    delivery_concurrency: int = Field(default=32, ge=1, le=512)
    """Sends at once in one worker (each subscription's round is a task of its own)."""
    delivery_worker_port: int = Field(default=0, ge=0, le=65535)
    """Where the worker's delivery process serves /healthz, /readyz and /metrics (0: the
    worker's own health port + 50; + 1 would be the next service's worker)."""
    delivery_lease_s: float = Field(default=60.0, ge=1.0)
    """How long a round holds its subscription without renewing (renewed at each claim;
    a send starts only if it would end before then). A worker killed mid-round holds
    nobody up for longer than this: its notifications go again, to the same ids."""
    subscription_read_scope: str | None = None
    """What the portal's system client (the `front_door_directory_client_*` settings, one
    client for the portal) asks for to read a notification's focus resource from its
    owning service (full-resource payloads); default: the read scopes of every topic's
    focus type. Without a client or a token, those notifications carry the focus
    id-only, as if the resource could not be read."""
    subscription_read_token: str | None = None
    """A static token for those reads instead of the client (overrides it; never renewed)."""
    focus_read_timeout_s: float = Field(default=5.0, gt=0)
    notification_retention_days: float = Field(default=35.0, ge=30.0)
    """How long recorded notifications stay replayable by `$events` (at least 30 days)."""

    @property
    def consumed_topics(self) -> tuple[str, ...]:
        """The other services' topics delivery consumes (beside the portal's own)."""
        return (self.referrals_topic, self.care_plans_topic, self.mdt_topic)
