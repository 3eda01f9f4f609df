"""Portal subscriptions: wake the delivery loop when notifications are recorded (NOTIFY).

A statement-level trigger on `subscription_notification` NOTIFYs the channel
`portal_subscription_work` with the ids of the subscriptions that got new (or requeued)
notifications, space-separated (empty when too many to name: everyone looks). PostgreSQL
delivers it when the consumer's transaction commits, so the worker's delivery loop
starts sending at once instead of at its next poll.

Revision ID: pt0302
"""

from alembic import op

revision = "pt0302"
down_revision = "pt0301"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create function portal_subscription_wake() returns trigger language plpgsql as $$
        declare
            named text;
        begin
            select string_agg(distinct subscription_id, ' ') into named from fresh;
            if named is not null then
                if length(named) >= 7000 then
                    named := '';
                end if;
                perform pg_notify('portal_subscription_work', named);
            end if;
            return null;
        end $$
        """
    )
    op.execute(
        "create trigger subscription_notification_wake after insert on subscription_notification "
        "referencing new table as fresh "
        "for each statement execute function portal_subscription_wake()"
    )


def downgrade() -> None:
    op.execute("drop trigger subscription_notification_wake on subscription_notification")
    op.execute("drop function portal_subscription_wake()")
