"""Care plans: the register, co-ordinator assignments, the care plan index.

Revision ID: cp0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "cp0002"
down_revision = "cp0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_register",
        sa.Column("nhs_number", sa.Text, primary_key=True),
        sa.Column("patient_id", sa.Text, nullable=False),
        sa.Column("practice", sa.Text, nullable=True),
        sa.Column("locality", sa.Text, nullable=True),
        sa.Column("birth_date", sa.Date, nullable=True),
        sa.Column("cohorts", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("risk_score", sa.Integer, nullable=False, server_default="0"),
        sa.Column("six_monthly_review", sa.Boolean, nullable=False, server_default="false"),
    )
    op.create_index("ix_patient_register_practice", "patient_register", ["practice"])
    op.create_index("ix_patient_register_locality", "patient_register", ["locality"])
    op.create_table(
        "coordinator_assignment",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("patient_nhs", sa.Text, nullable=False),
        sa.Column("patient_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("cover", sa.Boolean, nullable=False),
        sa.Column("coordinator_ref", sa.Text, nullable=False),
        sa.Column("display", sa.Text, nullable=True),
        sa.Column("sds_user_id", sa.Text, nullable=False),
        sa.Column("phone", sa.Text, nullable=True),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.Text, nullable=True),
    )
    op.create_index(
        "ix_coordinator_assignment_sds_user_id", "coordinator_assignment", ["sds_user_id"]
    )
    op.create_index(
        "ux_one_running_coordinator",
        "coordinator_assignment",
        ["patient_nhs"],
        unique=True,
        postgresql_where=sa.text("NOT cover AND ended_at IS NULL"),
    )
    op.create_index(
        "ux_one_running_cover",
        "coordinator_assignment",
        ["patient_nhs"],
        unique=True,
        postgresql_where=sa.text("cover AND ended_at IS NULL"),
    )
    op.create_table(
        "care_plan_index",
        sa.Column("care_plan_id", sa.Text, primary_key=True),
        sa.Column("patient_nhs", sa.Text, nullable=False),
        sa.Column("comprehensive", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("co_developed", sa.Boolean, nullable=False),
        sa.Column("agreed", sa.Boolean, nullable=False),
        sa.Column("goal_count", sa.Integer, nullable=False),
        sa.Column("last_reviewed", sa.Date, nullable=True),
        sa.Column("review_due_announced", sa.Date, nullable=True),
    )
    op.create_index("ix_care_plan_index_patient_nhs", "care_plan_index", ["patient_nhs"])
    op.create_index(
        "ux_one_active_comprehensive_plan",
        "care_plan_index",
        ["patient_nhs"],
        unique=True,
        postgresql_where=sa.text("comprehensive AND active"),
    )
    op.create_table(
        "care_coordination",
        sa.Column("patient_nhs", sa.Text, primary_key=True),
        sa.Column("care_team_id", sa.Text, nullable=False),
        sa.Column("episode_id", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("care_coordination", "care_plan_index", "coordinator_assignment"):
        op.drop_table(table)
    op.drop_table("patient_register")
