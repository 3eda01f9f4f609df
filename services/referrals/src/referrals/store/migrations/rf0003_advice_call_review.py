"""Referrals: a paramedic's advice calls by time (their rate limit and review).

Revision ID: rf0003
"""

from alembic import op

revision = "rf0003"
down_revision = "rf0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_advice_call_paramedic", "advice_call", ["paramedic", "at"])


def downgrade() -> None:
    op.drop_index("ix_advice_call_paramedic", table_name="advice_call")
