"""Front door: the portal's own read model of each patient's A&G requests, referrals and
MDT outcomes (from referrals' and mdt's events), for the P9 page. Also joins the front
door's and the subscriptions' migrations into one head.

Revision ID: pt0202
"""

import sqlalchemy as sa
from alembic import op

revision = "pt0202"
down_revision = ("pt0201", "pt0301")
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "front_door_patient_episode",
        sa.Column("nhs_number", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("ubrn", sa.Text),
        sa.Column("stage", sa.Text, nullable=False),
        sa.Column("next_step", sa.Text),
        sa.Column("due_by", sa.Text),
        sa.Column("changed_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("nhs_number", "key", name="pk_front_door_patient_episode"),
    )


def downgrade() -> None:
    op.drop_table("front_door_patient_episode")
