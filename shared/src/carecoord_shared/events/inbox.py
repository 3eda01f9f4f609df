"""The inbox: which events a consumer group has already applied.

Redelivery is normal in Kafka (a consumer can crash after its effect but before its
offset commit), so every consumer records each event id in `inbox` in the same
transaction as the event's effect. A second delivery finds the id there and changes
nothing. The primary key is (consumer group, event id): each group applies an event
once, independently of other groups sharing the database.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Table, Text, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.db import kernel_metadata

inbox = Table(
    "inbox",
    kernel_metadata,
    Column("consumer_group", Text, primary_key=True),
    Column("event_id", Text, primary_key=True),
    Column("event_type", Text, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


async def record_once(
    conn: AsyncConnection, consumer_group: str, event_id: str, event_type: str
) -> bool:
    """Record the event as applied by the group; False if it already was (skip it)."""
    result = await conn.execute(
        insert(inbox)
        .values(consumer_group=consumer_group, event_id=event_id, event_type=event_type)
        .on_conflict_do_nothing(index_elements=["consumer_group", "event_id"])
        .returning(inbox.c.event_id)
    )
    return result.first() is not None
