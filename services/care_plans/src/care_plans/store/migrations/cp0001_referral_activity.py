"""Care plans: the projection of referral activity per patient.

Revision ID: cp0001
"""

import sqlalchemy as sa
from alembic import op

revision = "cp0001"
down_revision = None
branch_labels = ("care_plans",)
depends_on = "k0001"


def upgrade() -> None:
    op.create_table(
        "referral_activity",
        sa.Column("service_request", sa.Text, primary_key=True),
        sa.Column("nhs_number", sa.Text, nullable=True),
        sa.Column("ubrn", sa.Text, nullable=True),
        sa.Column("status", sa.Text, nullable=True),
        sa.Column("category", sa.Text, nullable=True),
        sa.Column("priority", sa.Text, nullable=True),
        sa.Column("requester", sa.Text, nullable=True),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("last_event_type", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_referral_activity_nhs_number", "referral_activity", ["nhs_number"])


def downgrade() -> None:
    op.drop_table("referral_activity")
