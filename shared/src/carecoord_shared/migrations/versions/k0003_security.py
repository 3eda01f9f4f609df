"""Kernel: the security tables (access grants, break-glass records, audit events).

Written as explicit operations rather than from the table objects in
`carecoord_shared.security`, so this revision keeps meaning what it meant when it was
applied even after those modules change.

Revision ID: k0003
Revises: k0002
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "k0003"
down_revision = "k0002"
branch_labels = None
depends_on = None


def _text(name: str, *, required: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.Text, nullable=not required)


def _recorded(name: str) -> sa.Column[datetime]:
    """When the row was written, by the database's clock."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "access_grant",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        *map(_text, ("patient_nhs", "party_kind", "party", "reason")),
        _recorded("valid_from"),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_access_grant"),
        sa.UniqueConstraint(
            "patient_nhs",
            "party_kind",
            "party",
            "reason",
            name="uq_access_grant_patient_nhs_party_kind_party_reason",
        ),
        sa.CheckConstraint(
            "party_kind in ('organisation', 'user')", name="ck_access_grant_party_kind"
        ),
        sa.CheckConstraint(
            "reason in ('registered-practice', 'care-team', 'mdt', 'advice-call')",
            name="ck_access_grant_reason",
        ),
    )
    op.create_index("ix_access_grant_party", "access_grant", ["party_kind", "party", "patient_nhs"])

    op.create_table(
        "break_glass",
        sa.Column("id", sa.Uuid, nullable=False),
        *map(_text, ("user_id", "patient_nhs", "reason")),
        _recorded("recorded_at"),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_break_glass"),
        sa.CheckConstraint("length(btrim(reason)) > 0", name="ck_break_glass_reason"),
        sa.CheckConstraint("expires_at > recorded_at", name="ck_break_glass_expiry"),
    )
    op.create_index(
        "ix_break_glass_user_patient", "break_glass", ["user_id", "patient_nhs", "expires_at"]
    )

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("recorded", sa.DateTime(timezone=True), nullable=False),
        *map(_text, ("action", "outcome", "subject", "role")),
        _text("organisation", required=False),
        _text("patient_nhs", required=False),
        _text("entity"),
        _text("purpose", required=False),
        _text("correlation_id"),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_event"),
        sa.CheckConstraint("action in ('C', 'R', 'U', 'D', 'E')", name="ck_audit_event_action"),
        sa.CheckConstraint("outcome in ('0', '4', '8')", name="ck_audit_event_outcome"),
    )
    op.create_index(
        "ix_audit_event_patient_nhs_recorded", "audit_event", ["patient_nhs", "recorded"]
    )
    op.create_index("ix_audit_event_subject_recorded", "audit_event", ["subject", "recorded"])
    op.create_index("ix_audit_event_correlation_id", "audit_event", ["correlation_id"])


def downgrade() -> None:
    for table in ("audit_event", "break_glass", "access_grant"):
        op.drop_table(table)
