"""Referrals: UBRN register, triage cases (the response clock) and transitions.

Revision ID: rf0001
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "rf0001"
down_revision = None
branch_labels = ("referrals",)
depends_on = "k0001"


def _texts(*names: str, nullable: bool = False) -> list[sa.Column[str]]:
    """Text columns, this revision's own helper (a migration imports nothing that changes)."""
    return [sa.Column(name, sa.Text, nullable=nullable) for name in names]


def _instants(*names: str, nullable: bool = False) -> list[sa.Column[datetime]]:
    return [sa.Column(name, sa.DateTime(timezone=True), nullable=nullable) for name in names]


def upgrade() -> None:
    op.create_table(
        "ubrn", sa.Column("value", sa.Text, primary_key=True), *_texts("service_request")
    )
    op.create_table(
        "triage_case",
        sa.Column("task", sa.Text, primary_key=True),
        *_texts("service_request", "ubrn", "nhs_number", "service", "requester_ods", "priority"),
        sa.Column("target_days", sa.Integer, nullable=False),
        *_texts("state"),
        *_instants("submitted_at", "due_at"),
        *_instants("paused_at", "responded_at", "imminent_raised_at", "breached_at", nullable=True),
    )
    op.create_index("ix_triage_case_service_request", "triage_case", ["service_request"])
    op.create_index("ix_triage_case_state_due_at", "triage_case", ["state", "due_at"])
    op.create_table(
        "triage_transition",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        *_texts(
            "service_request", "task", "outcome", "from_state", "to_state", "actor", "actor_role"
        ),
        *_texts("actor_organisation", "reason", nullable=True),
        *_instants("at"),
    )
    op.create_index(
        "ix_triage_transition_service_request", "triage_transition", ["service_request", "id"]
    )


def downgrade() -> None:
    op.drop_table("triage_transition")
    op.drop_table("triage_case")
    op.drop_table("ubrn")
