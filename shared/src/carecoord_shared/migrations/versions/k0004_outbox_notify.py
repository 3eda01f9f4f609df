"""Kernel: wake the outbox relay when events commit (NOTIFY), instead of fast polling.

Revision ID: k0004
"""

from alembic import op

revision = "k0004"
down_revision = "k0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create function carecoord_outbox_notify() returns trigger language plpgsql as $$
        begin
            perform pg_notify('carecoord_outbox', '');
            return null;
        end $$
        """
    )
    op.execute(
        "create trigger outbox_notify after insert on outbox "
        "for each statement execute function carecoord_outbox_notify()"
    )


def downgrade() -> None:
    op.execute("drop trigger outbox_notify on outbox")
    op.execute("drop function carecoord_outbox_notify()")
