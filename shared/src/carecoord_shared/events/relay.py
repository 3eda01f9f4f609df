"""The outbox relay: publishes committed outbox rows to Kafka, in order, at least once.

A service's worker runs one `OutboxRelay` per database. Each batch selects the oldest
unpublished rows (`FOR UPDATE SKIP LOCKED`), sends them all with an idempotent
producer (`acks=all`), waits for every delivery and only then marks them published
in the same transaction. A crash anywhere leaves unmarked rows that the next relay
sends again (at least once; consumers de-duplicate by event id) and never reorders
one patient's events. Only one relay per database publishes at a time: the active
relay holds a session-level advisory lock on the very connection it publishes
through, so if that connection dies the lock goes with it and a standby relay takes
over; no two relays can interleave a partition. The relay LISTENs on the channel an
outbox trigger NOTIFYs at commit, so an idle relay costs nothing and wakes at once;
it polls again immediately after a non-empty batch, and, idle, at most every
`idle_poll_s` as well, so a NOTIFY lost across a reconnect delays nothing for long.
(Fast idle polling of four workers took half a core of a two-core machine.)
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import BigInteger, any_, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_shared.events.backoff import Backoff, run_until_stopped, sleep_unless
from carecoord_shared.events.envelope import encode_headers
from carecoord_shared.events.metrics import (
    OUTBOX_BATCH_SECONDS,
    OUTBOX_LAG_SECONDS,
    OUTBOX_PUBLISHED,
    OUTBOX_RELAY_ACTIVE,
)
from carecoord_shared.events.outbox import outbox, purge_published
from carecoord_shared.logging import get_logger

RELAY_LOCK_KEY = 731_204_002
"""Advisory lock held by the one active relay of a database."""

_FAILURE_BACKOFF = Backoff(initial_s=0.5, max_s=15.0)
_log = get_logger(__name__)

_SELECT_BATCH = (
    select(
        outbox.c.seq,
        outbox.c.topic,
        outbox.c.key,
        outbox.c.headers,
        outbox.c.payload,
        outbox.c.created_at,
    )
    .where(outbox.c.published_at.is_(None))
    .order_by(outbox.c.seq)
    .limit(bindparam("batch_size"))
    .with_for_update(skip_locked=True)
)
# Marks exactly the rows sent: a range would also catch a row with a lower seq that
# committed after the select and was never sent.
_MARK_PUBLISHED = (
    update(outbox)
    .where(outbox.c.seq == any_(bindparam("seqs", type_=ARRAY(BigInteger))))
    .values(published_at=func.now())
)


def idempotent_producer(bootstrap_servers: str, **options: Any) -> AIOKafkaProducer:
    """An AIOKafkaProducer that never loses or reorders an acknowledged send.

    aiokafka's default is `acks=1` without idempotence; these two settings are forced.
    """
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        **{**options, "enable_idempotence": True, "acks": "all"},
    )


NOTIFY_CHANNEL = "carecoord_outbox"
"""The channel the outbox trigger (migration k0004) notifies at each commit."""


class OutboxRelay:
    """Publishes one database's outbox; run one (or a standby or two) per service."""

    def __init__(
        self,
        engine: AsyncEngine,
        bootstrap_servers: str,
        batch_size: int = 500,
        poll_interval_s: float = 0.02,
        *,
        standby_poll_s: float = 1.0,
        idle_poll_s: float = 1.0,
        retain_published_s: float | None = 86_400.0,
        failure_backoff: Backoff = _FAILURE_BACKOFF,
        producer_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._engine = engine
        self._bootstrap = bootstrap_servers
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._standby_poll_s = standby_poll_s
        self._idle_poll_s = idle_poll_s
        self._wake = asyncio.Event()
        self._retain_published_s = retain_published_s
        self._failure_backoff = failure_backoff
        self._producer_options = {"max_batch_size": 262_144, **(producer_options or {})}
        self._stopping = asyncio.Event()
        self._active = False
        self.last_beat = time.monotonic()
        """When this relay last published, polled, or tried to (its liveness)."""
        self.published = 0
        """Events this relay instance has published (delivered and marked)."""

    @property
    def active(self) -> bool:
        """True while this relay holds the database's relay lock."""
        return self._active

    def stop(self) -> None:
        """Finish the batch in hand, release the lock and return from `run`."""
        self._stopping.set()

    async def run(self) -> None:
        """Publish until `stop()`; survives database and broker outages by retrying."""
        await run_until_stopped(
            self._stand_by_then_publish, self._stopping, self._failure_backoff, self._failed
        )

    def _failed(self, exc: Exception, retry_in_s: float) -> None:
        self.last_beat = time.monotonic()
        _log.warning("outbox_relay_failed", error=type(exc).__name__, retry_in_s=retry_in_s)

    async def _stand_by_then_publish(self) -> None:
        async with self._engine.connect() as conn:
            try:
                if not await self._wait_for_lock(conn):
                    return
                self._set_active(True)
                producer = idempotent_producer(self._bootstrap, **self._producer_options)
                await producer.start()
                try:
                    await self._publish_until_stopped(conn, producer)
                finally:
                    await producer.stop()
            finally:
                self._set_active(False)
                # Closing the connection is the one sure way to release the session
                # lock and abort a half-done batch, whatever state it was left in.
                await conn.invalidate()

    async def _wait_for_lock(self, conn: AsyncConnection) -> bool:
        while True:
            self.last_beat = time.monotonic()
            got = await conn.scalar(text(f"select pg_try_advisory_lock({RELAY_LOCK_KEY})"))
            await conn.commit()
            if got:
                return True
            if await sleep_unless(self._stopping, self._standby_poll_s):
                return False

    def _set_active(self, active: bool) -> None:
        if active != self._active:
            _log.info("outbox_relay_active" if active else "outbox_relay_inactive")
        self._active = active
        OUTBOX_RELAY_ACTIVE.set(1 if active else 0)

    async def _publish_until_stopped(
        self, conn: AsyncConnection, producer: AIOKafkaProducer
    ) -> None:
        idle_sleep = 0.0
        last_purge = time.monotonic()
        raw = (await conn.get_raw_connection()).driver_connection
        if raw is not None:  # asyncpg; listening dies with the connection, as the lock does
            await raw.add_listener(NOTIFY_CHANNEL, self._notified)
        while not self._stopping.is_set():
            self.last_beat = time.monotonic()
            self._wake.clear()
            if await self._publish_batch(conn, producer):
                idle_sleep = 0.0
                continue
            if self._retain_published_s is not None and time.monotonic() - last_purge > 60:
                async with conn.begin():
                    await purge_published(conn, self._retain_published_s)
                last_purge = time.monotonic()
            # Right after activity poll again soon (rows may be committing); then wait
            # for a NOTIFY, with a slow poll as the safety net.
            idle_sleep = min(self._idle_poll_s, max(self._poll_interval_s, idle_sleep * 4))
            await self._sleep_until_woken(idle_sleep)

    def _notified(self, *_args: object) -> None:
        self._wake.set()

    async def _sleep_until_woken(self, seconds: float) -> None:
        waiters = [
            asyncio.ensure_future(self._wake.wait()),
            asyncio.ensure_future(self._stopping.wait()),
        ]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _publish_batch(self, conn: AsyncConnection, producer: AIOKafkaProducer) -> int:
        started = time.perf_counter()
        async with conn.begin():
            rows = (await conn.execute(_SELECT_BATCH, {"batch_size": self._batch_size})).all()
            if not rows:
                OUTBOX_LAG_SECONDS.set(0)
                return 0
            oldest = rows[0].created_at
            OUTBOX_LAG_SECONDS.set(max(0.0, (datetime.now(UTC) - oldest).total_seconds()))
            deliveries = [
                await producer.send(
                    row.topic,
                    row.payload,
                    key=row.key.encode(),
                    headers=list(encode_headers(row.headers)),
                )
                for row in rows
            ]
            results = await asyncio.gather(*deliveries, return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    raise result  # nothing is marked: the whole batch is sent again
            await conn.execute(_MARK_PUBLISHED, {"seqs": [row.seq for row in rows]})
        OUTBOX_BATCH_SECONDS.observe(time.perf_counter() - started)
        for topic, count in collections.Counter(row.topic for row in rows).items():
            OUTBOX_PUBLISHED.labels(topic).inc(count)
        self.published += len(rows)
        return len(rows)
