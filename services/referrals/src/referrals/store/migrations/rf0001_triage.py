"""Referrals: UBRN register, triage cases (the response clock) and transitions.

Revision ID: rf0001
"""

import sqlalchemy as sa
from alembic import op

revision = "rf0001"
down_revision = None
branch_labels = ("referrals",)
depends_on = "k0001"


def upgrade() -> None:
    op.create_table(
        "ubrn",
        sa.Column("value", sa.Text, primary_key=True),
        sa.Column("service_request", sa.Text, nullable=False),
    )
    op.create_table(
        "triage_case",
        sa.Column("task", sa.Text, primary_key=True),
        sa.Column("service_request", sa.Text, nullable=False),
        sa.Column("ubrn", sa.Text, nullable=False),
        sa.Column("nhs_number", sa.Text, nullable=False),
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("requester_ods", sa.Text, nullable=False),
        sa.Column("priority", sa.Text, nullable=False),
        sa.Column("target_days", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("imminent_raised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_triage_case_service_request", "triage_case", ["service_request"])
    op.create_index("ix_triage_case_state_due_at", "triage_case", ["state", "due_at"])
    op.create_table(
        "triage_transition",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("service_request", sa.Text, nullable=False),
        sa.Column("task", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("from_state", sa.Text, nullable=False),
        sa.Column("to_state", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("actor_role", sa.Text, nullable=False),
        sa.Column("actor_organisation", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_triage_transition_service_request", "triage_transition", ["service_request", "id"]
    )


def downgrade() -> None:
    op.drop_table("triage_transition")
    op.drop_table("triage_case")
    op.drop_table("ubrn")
