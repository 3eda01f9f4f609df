"""Kernel: grant reasons are the services' vocabulary, not the kernel's.

Each service registers the reasons for which it grants access (registered practice,
care team, MDT, advice call, ...); the kernel checks them against that registration,
so the database only insists that a reason is given.

Revision ID: k0006
"""

from alembic import op

revision = "k0006"
down_revision = "k0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("ck_access_grant_reason", "access_grant", type_="check")
    op.create_check_constraint("ck_access_grant_reason", "access_grant", "length(reason) > 0")


def downgrade() -> None:
    op.drop_constraint("ck_access_grant_reason", "access_grant", type_="check")
    op.create_check_constraint(
        "ck_access_grant_reason",
        "access_grant",
        "reason in ('registered-practice', 'care-team', 'mdt', 'advice-call')",
    )
