"""Referrals: advice-line calls and the care plans projections for the paramedic summary.

Revision ID: rf0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "rf0002"
down_revision = "rf0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advice_call",
        sa.Column("communication", sa.Text, primary_key=True),
        sa.Column("advice_line", sa.Text, nullable=False),
        sa.Column("locality", sa.Text, nullable=True),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("nhs_number", sa.Text, nullable=False),
        sa.Column("paramedic", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_advice_call_advice_line", "advice_call", ["advice_line", "locality"])
    op.create_table(
        "coordinator",
        sa.Column("nhs_number", sa.Text, primary_key=True),
        sa.Column("care_team", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("coordinator", JSONB, nullable=False),
        sa.Column("cover", sa.Boolean, nullable=False),
        sa.Column("period_start", sa.Text, nullable=True),
        sa.Column("period_end", sa.Text, nullable=True),
        sa.Column("ended", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "care_plan",
        sa.Column("care_plan", sa.Text, primary_key=True),
        sa.Column("nhs_number", sa.Text, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=True),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("next_review_due", sa.Text, nullable=True),
        sa.Column("end_of_life", JSONB, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_care_plan_nhs_number", "care_plan", ["nhs_number"])


def downgrade() -> None:
    op.drop_table("care_plan")
    op.drop_table("coordinator")
    op.drop_table("advice_call")
