"""Kernel: each version remembers which patient it was about.

A resource's patient can change (a Condition recorded against the wrong patient and
corrected); access to an old version must be judged by the patient that version was
about, not by whom the resource is about now. Existing versions take the current
patient (what was known), newer ones record their own.

Revision ID: k0008
"""

import sqlalchemy as sa
from alembic import op

revision = "k0008"
down_revision = "k0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("resource_version", sa.Column("patient_nhs", sa.Text, nullable=True))
    op.execute(
        "update resource_version v set patient_nhs = r.patient_nhs from resource r "
        "where r.resource_type = v.resource_type and r.id = v.id"
    )


def downgrade() -> None:
    op.drop_column("resource_version", "patient_nhs")
