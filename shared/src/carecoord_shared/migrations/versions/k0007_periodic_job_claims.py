"""Kernel: periodic jobs are claimed per tick, so replicas run each tick once.

Two workers of one service both tick every interval; the first to claim a job's tick
(a row per job holding when it last started) runs it, the other skips it. Also an
index for purging the inbox by age.

Revision ID: k0007
"""

import sqlalchemy as sa
from alembic import op

revision = "k0007"
down_revision = "k0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "periodic_job",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("last_started", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_inbox_processed_at", "inbox", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_processed_at", table_name="inbox")
    op.drop_table("periodic_job")
