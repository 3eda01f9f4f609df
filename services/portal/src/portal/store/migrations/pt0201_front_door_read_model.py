"""Front door: the portal's own read model of each patient's care (from care_plans' events).

A P9 patient's page and care-plan-aware routing read this table, never care_plans, so
they keep working when care_plans is down; `*_at` columns say how fresh each part is.

Revision ID: pt0201
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "pt0201"
down_revision = "pt0001"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "front_door_patient_care",
        sa.Column("nhs_number", sa.Text, nullable=False),
        sa.Column("care_plan", sa.Text),
        sa.Column("plan_version", sa.Text),
        sa.Column("plan_status", sa.Text),
        sa.Column("plan_title", sa.Text),
        sa.Column("plan_description", sa.Text),
        sa.Column("next_review_due", sa.Date),
        sa.Column("end_of_life", JSONB),
        sa.Column("plan_changed_at", _TIME),
        sa.Column("coordinator", JSONB),
        sa.Column("cover", JSONB),
        sa.Column("coordinator_changed_at", _TIME),
        sa.Column("received_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("nhs_number", name="pk_front_door_patient_care"),
    )


def downgrade() -> None:
    op.drop_table("front_door_patient_care")
