"""Kernel: the versioned FHIR resource store and its search index.

Revision ID: k0001
"""

import sqlalchemy as sa
from alembic import op

revision = "k0001"
down_revision = None
branch_labels = ("kernel",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resource",
        sa.Column("pk", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("resource_type", sa.Text, nullable=False),
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("content", sa.LargeBinary, nullable=True),
        sa.Column("patient_nhs", sa.Text, nullable=True),
        sa.UniqueConstraint("resource_type", "id", name="uq_resource_resource_type_id"),
    )
    op.create_index("ix_resource_type_pk", "resource", ["resource_type", "pk"])
    op.create_index("ix_resource_patient_nhs", "resource", ["patient_nhs"])
    op.create_table(
        "resource_version",
        sa.Column("resource_type", sa.Text, primary_key=True),
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("version_id", sa.Integer, primary_key=True),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=True),
    )
    op.create_table(
        "search_index",
        sa.Column(
            "res_pk",
            sa.BigInteger,
            sa.ForeignKey("resource.pk", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("resource_type", sa.Text, nullable=False),
        sa.Column("param", sa.Text, nullable=False),
        sa.Column("system", sa.Text, nullable=True),
        sa.Column("value", sa.Text, nullable=True),
        sa.Column("exact", sa.Text, nullable=True),
        sa.Column("lo", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hi", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_search_index_value", "search_index", ["resource_type", "param", "value", "system"]
    )
    op.create_index("ix_search_index_date", "search_index", ["resource_type", "param", "lo", "hi"])
    op.create_index("ix_search_index_res_pk", "search_index", ["res_pk"])
    op.create_table(
        "conditional_create",
        sa.Column("resource_type", sa.Text, primary_key=True),
        sa.Column("criteria", sa.Text, primary_key=True),
        sa.Column("resource_id", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("conditional_create", "search_index", "resource_version", "resource"):
        op.drop_table(table)
