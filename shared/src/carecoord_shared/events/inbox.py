"""The inbox: which events a consumer group has already applied.

Redelivery is normal in Kafka (a consumer can crash after its effect but before its
offset commit), so every consumer records each event id in `inbox` in the same
transaction as the event's effect. A second delivery finds the id there and changes
nothing. The primary key is (consumer group, event id): each group applies an event
once, independently of other groups sharing the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import Column, DateTime, Index, Table, Text, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.db import kernel_metadata

inbox = Table(
    "inbox",
    kernel_metadata,
    Column("consumer_group", Text, primary_key=True),
    Column("event_id", Text, primary_key=True),
    Column("event_type", Text, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_inbox_processed_at", "processed_at"),  # the purge after the topics' retention
)


# One round trip for a whole run of events; duplicates within the run conflict with
# their first copy and are not returned either.
_RECORD = (
    insert(inbox)
    .from_select(
        ["consumer_group", "event_id", "event_type"],
        select(
            bindparam("group", type_=Text),
            func.unnest(bindparam("ids", type_=ARRAY(Text))),
            func.unnest(bindparam("types", type_=ARRAY(Text))),
        ),
    )
    .on_conflict_do_nothing(index_elements=["consumer_group", "event_id"])
    .returning(inbox.c.event_id)
)


async def record_new(
    conn: AsyncConnection, consumer_group: str, events: Sequence[tuple[str, str]]
) -> set[str]:
    """Record (event id, type) pairs as applied by the group; returns the ids not seen before.

    An id in the result must be applied once, in this transaction; any other is a
    redelivery and must change nothing.
    """
    result = await conn.execute(
        _RECORD,
        {
            "group": consumer_group,
            "ids": [event_id for event_id, _ in events],
            "types": [event_type for _, event_type in events],
        },
    )
    return set(result.scalars())


async def purge_older_than(conn: AsyncConnection, days: float) -> int:
    """Forget applied event ids older than the topics keep records (a record older than
    that can no longer be redelivered, so its inbox row protects nothing)."""
    result = await conn.execute(
        inbox.delete().where(inbox.c.processed_at < func.now() - timedelta(days=days))
    )
    return result.rowcount
