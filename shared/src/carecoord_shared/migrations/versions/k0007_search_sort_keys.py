"""Kernel: `_sort` on a date parameter reads one stored sort key per resource.

Every date search parameter now also indexes a `<name>:sort` row holding the
resource's earliest value (or the floor): a sorted page joins it instead of working
out a minimum for each matching row. `search_sort_ready` records the (resource type,
parameter) pairs whose existing resources have had their keys filled in, which each
API does once at start for the parameters its registry declares
(`store.search_order.fill_sort_keys`).

The planner also gets statistics on how resource type, parameter and value go
together in `search_index`: treated as independent, "Task code triage" was estimated
at 10 rows of 500 and worklists were planned as nested loops.

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
        "search_sort_ready",
        sa.Column("resource_type", sa.Text, primary_key=True),
        sa.Column("param", sa.Text, primary_key=True),
    )
    op.execute(
        "CREATE STATISTICS search_index_type_param_value (mcv, dependencies) "
        "ON resource_type, param, value FROM search_index"
    )


def downgrade() -> None:
    op.execute("DROP STATISTICS search_index_type_param_value")
    op.execute("DELETE FROM search_index WHERE param LIKE '%:sort'")
    op.drop_table("search_sort_ready")
