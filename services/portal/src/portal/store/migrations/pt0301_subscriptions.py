"""Portal subscriptions: delivery state, notifications, attempts, patients' practices.

Revision ID: pt0301
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "pt0301"
down_revision = "pt0001"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    _subscriptions()
    _notifications()
    _attempts()
    op.create_table(
        "subscription_patient",
        sa.Column("patient_nhs", sa.Text, primary_key=True),
        sa.Column("practice", sa.Text, nullable=False),
    )


def _subscriptions() -> None:
    op.create_table(
        "partner_subscription",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("partner", sa.Text, nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("filters", JSONB, nullable=False),
        sa.Column("endpoint", sa.Text, nullable=False),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("heartbeat_s", sa.Integer),
        sa.Column("timeout_s", sa.Integer, nullable=False),
        sa.Column("max_count", sa.Integer, nullable=False),
        sa.Column("secrets", JSONB, nullable=False),
        sa.Column("agreement", JSONB, nullable=False),
        sa.Column("contact", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("events_since_start", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", _TIME),
        sa.Column("lease_until", _TIME),
        sa.Column("last_sent_at", _TIME),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_index("ix_partner_subscription_topic", "partner_subscription", ["topic", "status"])


def _notifications() -> None:
    op.create_table(
        "subscription_notification",
        sa.Column("subscription_id", sa.Text, nullable=False),
        sa.Column("event_number", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("patient_nhs", sa.Text),
        sa.Column("focus", sa.Text),
        sa.Column("occurred_at", _TIME, nullable=False),
        sa.Column("recorded_at", _TIME, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("delivered_at", _TIME),
        sa.PrimaryKeyConstraint(
            "subscription_id", "event_number", name="pk_subscription_notification"
        ),
        sa.UniqueConstraint(
            "subscription_id", "event_id", name="uq_subscription_notification_event"
        ),
    )
    op.create_index(
        "ix_subscription_notification_state",
        "subscription_notification",
        ["subscription_id", "state", "event_number"],
    )
    op.create_index(
        "ix_subscription_notification_recorded", "subscription_notification", ["recorded_at"]
    )


def _attempts() -> None:
    op.create_table(
        "subscription_delivery_attempt",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("subscription_id", sa.Text, nullable=False),
        sa.Column("webhook_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("event_number", sa.BigInteger),
        sa.Column("attempted_at", _TIME, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _TIME),
    )
    op.create_index(
        "ix_subscription_delivery_attempt",
        "subscription_delivery_attempt",
        ["subscription_id", "id"],
    )
    op.create_index(
        "ix_subscription_delivery_attempt_time", "subscription_delivery_attempt", ["attempted_at"]
    )


def downgrade() -> None:
    for table in (
        "subscription_patient",
        "subscription_delivery_attempt",
        "subscription_notification",
        "partner_subscription",
    ):
        op.drop_table(table)
