"""MDT: teams, members, meetings, cases, actions and the projections the rules need.

Revision ID: md0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "md0001"
down_revision = None
branch_labels = ("mdt",)
depends_on = "k0001"

_NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "mdt_team",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("locality", sa.Text, nullable=True),
        sa.Column("practices", ARRAY(sa.Text), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
    )
    op.create_table(
        "mdt_member",
        sa.Column("mdt_id", sa.Text, primary_key=True),
        sa.Column("user_id", sa.Text, primary_key=True),
        sa.Column("membership", sa.Text, nullable=False),
        sa.Column("chair", sa.Boolean, nullable=False),
    )
    op.create_index("ix_mdt_member_user_id", "mdt_member", ["user_id"])
    op.create_table(
        "mdt_meeting",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("mdt_id", sa.Text, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("minutes_per_case", sa.Float, nullable=False),
        sa.Column("list_id", sa.Text, nullable=True),
        sa.Column("status", sa.Text, nullable=False),
    )
    op.create_index("ix_mdt_meeting_mdt_id_starts_at", "mdt_meeting", ["mdt_id", "starts_at"])
    op.create_table(
        "mdt_case",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("mdt_id", sa.Text, nullable=False),
        sa.Column("patient_nhs", sa.Text, nullable=False),
        sa.Column("meeting_id", sa.Text, nullable=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.Column("urgency", sa.Text, nullable=False),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("for_discussion", sa.Boolean, nullable=False),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nominators", ARRAY(sa.Text), nullable=False),
        sa.Column("sources", JSONB, nullable=False),
    )
    op.create_index(
        "uq_mdt_case_open_patient",
        "mdt_case",
        ["mdt_id", "patient_nhs"],
        unique=True,
        postgresql_where=sa.text("open"),
    )
    op.create_index("ix_mdt_case_meeting_id", "mdt_case", ["meeting_id"])
    op.create_table(
        "mdt_action",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("patient_nhs", sa.Text, nullable=False),
        sa.Column("owner_kind", sa.Text, nullable=False),
        sa.Column("owner_reference", sa.Text, nullable=True),
        sa.Column("owner_display", sa.Text, nullable=True),
        sa.Column("owner_organisation", sa.Text, nullable=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("needs_acknowledgement", sa.Boolean, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_mdt_action_open_due",
        "mdt_action",
        ["due_on"],
        postgresql_where=sa.text("overdue_at IS NULL"),
    )
    op.create_table(
        "mdt_patient",
        sa.Column("patient_nhs", sa.Text, primary_key=True),
        sa.Column("practice", sa.Text, nullable=True),
        sa.Column("risk_score", sa.Float, nullable=True),
        sa.Column("cohorts", ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("review_due_on", sa.Date, nullable=True),
    )
    op.create_table(
        "mdt_activity",
        sa.Column("reference", sa.Text, primary_key=True),
        sa.Column("patient_nhs", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_mdt_activity_patient_nhs_kind", "mdt_activity", ["patient_nhs", "kind", "occurred_at"]
    )


def downgrade() -> None:
    for table in (
        "mdt_activity",
        "mdt_patient",
        "mdt_action",
        "mdt_case",
        "mdt_meeting",
        "mdt_member",
        "mdt_team",
    ):
        op.drop_table(table)
