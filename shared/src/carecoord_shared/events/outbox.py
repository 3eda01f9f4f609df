"""The transactional outbox: an event is written in the same transaction as the change.

Services never publish to Kafka from a request (no dual writes). `add` inserts the
event into the `outbox` table inside the caller's open transaction, so the state
change and its announcement commit or roll back together; `OutboxRelay` publishes
committed rows in `seq` order. `add` also takes a transaction-scoped advisory lock on
the event's key: two transactions writing events for the same patient then commit in
the order their `seq` values were drawn, so the relay, reading in `seq` order, can
never publish one patient's events out of order (without the lock a transaction that
drew a lower `seq` could commit after the relay had published a higher one).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    LargeBinary,
    Table,
    Text,
    Uuid,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import TextClause

from carecoord_shared.db import kernel_metadata
from carecoord_shared.events.envelope import Event, headers_of, new_event

KEY_LOCK_CLASS = 731_204_010
"""First half of the two-int advisory lock taken per event key (its own key space)."""

outbox = Table(
    "outbox",
    kernel_metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("topic", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Index("ix_outbox_unpublished", "seq", postgresql_where=text("published_at IS NULL")),
    Index(
        "ix_outbox_published_at",
        "published_at",
        postgresql_where=text("published_at IS NOT NULL"),
    ),
)


# One round trip for any number of events: the keys' locks are taken first (in key
# order, so two transactions cannot deadlock), and only then does the INSERT draw each
# row's seq, in the order the events were added (the aggregate over `locked` must be
# complete before any row leaves the join; the sort completes before the INSERT).
_EVENTS = """
given AS (
    SELECT * FROM unnest(
        CAST(:ids AS uuid[]), CAST(:topics AS text[]), CAST(:keys AS text[]),
        CAST(:types AS text[]), CAST(:headers AS text[]), CAST(:payloads AS bytea[])
    ) WITH ORDINALITY AS g(id, topic, key, type, headers, payload, n)
), locked AS (
    SELECT count(pg_advisory_xact_lock(:lock_class, hashtext(key))) AS locks
    FROM (SELECT DISTINCT key FROM given ORDER BY key) AS keys
)
INSERT INTO outbox (id, topic, key, type, headers, payload)
SELECT id, topic, key, type, CAST(headers AS jsonb), payload
FROM given CROSS JOIN locked WHERE locked.locks >= 0
ORDER BY n
"""
_INSERT_MANY = text(f"WITH {_EVENTS}")


def insert_many_after(cte: str) -> TextClause:
    """`add_many`'s statement with another data-modifying CTE (`name AS (...)`, its
    parameters named apart from the events') run before it: both in one round trip."""
    return text(f"WITH {cte},{_EVENTS}")


async def add(conn: AsyncConnection, topic: str, event: Event) -> None:
    """Queue `event` for `topic` in the caller's open transaction (commits with it).

    Holds the event key's lock until that transaction ends: keep it short, and where
    one transaction announces events for several patients, add them in a fixed order
    (say, by NHS number) so two such transactions cannot deadlock.
    """
    await add_many(conn, [(topic, event)])


async def add_many(
    conn: AsyncConnection,
    events: Sequence[tuple[str, Event]],
    after: tuple[TextClause, Mapping[str, Any]] | None = None,
) -> None:
    """Queue (topic, event) pairs in the caller's open transaction, in one statement;
    their `seq` follows the order given, and each distinct key's lock is held (taken
    in key order) until the transaction ends. `after`: the statement of
    `insert_many_after` and its CTE's parameters, to write something else with them."""
    if not events:
        return
    if not conn.in_transaction():
        raise RuntimeError("outbox.add must run inside the caller's open transaction")
    statement, extra = after or (_INSERT_MANY, {})
    await conn.execute(
        statement,
        {
            "ids": [uuid.UUID(e.id) for _, e in events],
            "topics": [topic for topic, _ in events],
            "keys": [e.key for _, e in events],
            "types": [e.type for _, e in events],
            "headers": [orjson.dumps(headers_of(e)).decode() for _, e in events],
            "payloads": [orjson.dumps(e.data) for _, e in events],
            "lock_class": KEY_LOCK_CLASS,
            **extra,
        },
    )


async def purge_published(conn: AsyncConnection, older_than_s: float) -> int:
    """Delete rows published more than `older_than_s` ago; returns how many went."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    result = await conn.execute(
        delete(outbox).where(outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff)
    )
    return result.rowcount


async def announce(
    conn: AsyncConnection,
    topic: str,
    event_type: str,
    *,
    source: str,
    subject: str,
    nhs_number: str,
    data: dict[str, Any],
) -> Event:
    """Queue a fact about one patient: the NHS number keys it (so one patient's events
    stay in order) and travels in its data, as every CareCoord patient event has it."""
    event = new_event(
        event_type,
        source=source,
        subject=subject,
        data={**data, "nhsNumber": nhs_number},
        nhs_number=nhs_number,
    )
    await add(conn, topic, event)
    return event


async def backlog(conn: AsyncConnection) -> tuple[int, float]:
    """Unpublished events and the age in seconds of the oldest (0 when there is none)."""
    row = (
        await conn.execute(
            select(
                func.count(),
                func.coalesce(func.extract("epoch", func.now() - func.min(outbox.c.created_at)), 0),
            ).where(outbox.c.published_at.is_(None))
        )
    ).one()
    return int(row[0]), float(row[1])
