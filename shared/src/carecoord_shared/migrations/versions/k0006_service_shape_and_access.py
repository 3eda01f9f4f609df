"""Kernel: what the one service shape and tighter access control need in the database.

- Grant reasons are the services' vocabulary: each service registers its own and the
  kernel checks them against that registration, so the database only insists that a
  reason is given.
- Periodic jobs are claimed per tick (a row per job with when it last started), so
  replicas of a worker run each tick once; the inbox is purged by age (indexed).
- Each version remembers which patient it was about: access to an old version is
  judged by that patient, not by whom the resource is about now (existing versions
  take the current patient, what was known).
- The register's Patient ids, learnt from registration events, so a `Patient/<id>`
  reference is tied to the right NHS number rather than stored as no one's.

Revision ID: k0006
"""

import sqlalchemy as sa
from alembic import op

revision = "k0006"
down_revision = "k0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("ck_access_grant_reason", "access_grant", type_="check")
    op.create_check_constraint("ck_access_grant_reason", "access_grant", "length(reason) > 0")
    op.create_table(
        "periodic_job",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("last_started", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_inbox_processed_at", "inbox", ["processed_at"])
    op.add_column("resource_version", sa.Column("patient_nhs", sa.Text, nullable=True))
    op.execute(
        "update resource_version v set patient_nhs = r.patient_nhs from resource r "
        "where r.resource_type = v.resource_type and r.id = v.id"
    )
    op.create_table(
        "patient_link",
        sa.Column("patient_id", sa.Text, primary_key=True),
        sa.Column("patient_nhs", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("patient_link")
    op.drop_column("resource_version", "patient_nhs")
    op.drop_index("ix_inbox_processed_at", table_name="inbox")
    op.drop_table("periodic_job")
    op.drop_constraint("ck_access_grant_reason", "access_grant", type_="check")
    op.create_check_constraint(
        "ck_access_grant_reason",
        "access_grant",
        "reason in ('registered-practice', 'care-team', 'mdt', 'advice-call')",
    )
