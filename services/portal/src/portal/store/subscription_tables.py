"""The tables partner subscriptions are delivered from, beside the Subscription resources.

`partner_subscription` is the delivery state of each Subscription (the stored resource is
what the partner reads): its checked criteria, endpoint and write-only secrets, status,
the gap-free event counter, and the retry clock. `subscription_notification` holds each
event recorded for a subscription under its number (kept at least 30 days for
`$events`), `subscription_delivery_attempt` every attempt (for `$deliveries`), and
`subscription_patient` each patient's registered practice, from care plans' events, for
the agreement check.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from carecoord_shared.store.columns import columns

__all__ = [
    "partner_subscription",
    "subscription_delivery_attempt",
    "subscription_notification",
    "subscription_patient",
]

metadata = MetaData()
_TIME = DateTime(timezone=True)

partner_subscription = Table(
    "partner_subscription",
    metadata,
    Column("id", Text, primary_key=True),
    *columns(Text, "partner", "topic"),
    Column("filters", JSONB, nullable=False),
    Column("endpoint", Text, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("payload", Text, nullable=False),
    Column("heartbeat_s", Integer),
    *columns(Integer, "timeout_s", "max_count"),
    *columns(JSONB, "secrets", "agreement"),
    Column("contact", Text),
    Column("status", Text, nullable=False),
    Column("error", Text),
    Column("events_since_start", BigInteger, nullable=False, server_default="0"),
    Column("failures", Integer, nullable=False, server_default="0"),
    *columns(_TIME, "next_attempt_at", "lease_until", "last_sent_at", nullable=True),
    Column("created_at", _TIME, nullable=False),
    Index("ix_partner_subscription_topic", "topic", "status"),
)

subscription_notification = Table(
    "subscription_notification",
    metadata,
    Column("subscription_id", Text, nullable=False),
    Column("event_number", BigInteger, nullable=False),
    *columns(Text, "event_id", "event_type"),
    *columns(Text, "patient_nhs", "focus", nullable=True),
    *columns(_TIME, "occurred_at", "recorded_at"),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("delivered_at", _TIME),
    PrimaryKeyConstraint("subscription_id", "event_number", name="pk_subscription_notification"),
    UniqueConstraint("subscription_id", "event_id", name="uq_subscription_notification_event"),
    Index("ix_subscription_notification_state", "subscription_id", "state", "event_number"),
    Index("ix_subscription_notification_recorded", "recorded_at"),
)

subscription_delivery_attempt = Table(
    "subscription_delivery_attempt",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    *columns(Text, "subscription_id", "webhook_id", "kind"),
    Column("event_number", BigInteger),
    Column("attempted_at", _TIME, nullable=False),
    Column("status_code", Integer),
    Column("outcome", Text, nullable=False),
    Column("latency_ms", Integer, nullable=False),
    Column("next_attempt_at", _TIME),
    Index("ix_subscription_delivery_attempt", "subscription_id", "id"),
    Index("ix_subscription_delivery_attempt_time", "attempted_at"),
)

subscription_patient = Table(
    "subscription_patient",
    metadata,
    Column("patient_nhs", Text, primary_key=True),
    Column("practice", Text, nullable=False),
)
