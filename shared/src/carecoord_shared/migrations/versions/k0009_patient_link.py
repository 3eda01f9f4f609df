"""Kernel: the register's Patient ids, so `Patient/<id>` references can be resolved.

A service that does not own Patient learns each patient's id on the register from the
registration events and keeps it here, so a resource naming its patient by reference
is tied to the right NHS number rather than stored as no one's.

Revision ID: k0009
"""

import sqlalchemy as sa
from alembic import op

revision = "k0009"
down_revision = "k0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_link",
        sa.Column("patient_id", sa.Text, primary_key=True),
        sa.Column("patient_nhs", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("patient_link")
