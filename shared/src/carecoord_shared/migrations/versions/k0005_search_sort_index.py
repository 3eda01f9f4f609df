"""Kernel: sort and include lookups read one covering index entry per resource.

`_sort` on a search parameter and `_include` look up a resource's index rows by
(resource, parameter); with the sort value included, the lookup never touches the
table (a provider worklist sorted by due date was ~2.5x slower than unsorted).

Revision ID: k0005
"""

from alembic import op

revision = "k0005"
down_revision = "k0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_search_index_res_pk_param",
        "search_index",
        ["res_pk", "param"],
        postgresql_include=["lo", "value"],
    )
    op.drop_index("ix_search_index_res_pk", table_name="search_index")


def downgrade() -> None:
    op.create_index("ix_search_index_res_pk", "search_index", ["res_pk"])
    op.drop_index("ix_search_index_res_pk_param", table_name="search_index")
