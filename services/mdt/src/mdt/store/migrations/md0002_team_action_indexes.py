"""MDT: a team's cases and their actions by index, closed ones too (`$action-summary`).

Revision ID: md0002
"""

from alembic import op

revision = "md0002"
down_revision = "md0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_mdt_case_mdt_id", "mdt_case", ["mdt_id"])
    op.create_index("ix_mdt_action_case_id", "mdt_action", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_mdt_action_case_id", table_name="mdt_action")
    op.drop_index("ix_mdt_case_mdt_id", table_name="mdt_case")
