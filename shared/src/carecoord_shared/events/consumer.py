"""The inbox consumer: applies each Kafka event exactly once to a service's database.

Kafka delivers at least once, so each record's event id goes into the inbox in ONE
transaction with the handler's effect, committed before the Kafka offset is: a
redelivery finds the id and is skipped. Records that can never be applied (not a
CloudEvent, breaking their schema, a handler that keeps failing or rejects them) are
parked on `<topic>.dlt` with where they came from and why, and the partition flows on;
lost database connections are waited out, never dead-lettered. Each partition is
applied by its own task, in order (one patient's events keep their order), a run of
consecutive events in one transaction (retried one by one to find a culprit); a
handler declared with `batch` gets a run's events at once (`dispatch`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_shared.events.backoff import Backoff, is_outage, run_until_stopped, sleep_unless
from carecoord_shared.events.consumer_support import (
    CommitBeforeRevoke,
    ConsumerStats,
    RunScope,
    measure_lag,
    no_scope,
)
from carecoord_shared.events.deadletter import (
    RejectEvent,
    dead_letter_headers,
    log_parked,
    park,
)
from carecoord_shared.events.dispatch import Handlers, apply_run
from carecoord_shared.events.envelope import Event, InvalidEnvelope, from_record
from carecoord_shared.events.inbox import record_new
from carecoord_shared.events.metrics import EVENTS_CONSUMED, INBOX_TRANSACTION_SECONDS
from carecoord_shared.events.relay import idempotent_producer
from carecoord_shared.events.schemas import SchemaCatalogue, SchemaViolation
from carecoord_shared.logging import get_logger

_DEFAULT_BACKOFF = Backoff()
FETCH_MAX_WAIT_MS = 100
"""How long the broker holds a fetch that finds nothing new. While a partition's run is
applied it is paused, and the fetch then in flight for the others is what a resumed
partition waits behind: at Kafka's 500 ms, a live event waited up to half a second on
an idle topic's empty fetch before its consumer asked for it."""
COMMIT_INTERVAL_S = 1.0
"""How often a group's offsets are committed while it works (and always on a graceful
stop and before its partitions are revoked). The inbox, not the offset, is what makes
each event apply once: after a crash, at most this much is delivered again and skipped
as already applied. Committing after every run instead cost the broker an offset commit
per run per group, one for every live event on every consumer of its topic."""
_log = get_logger(__name__)


class InboxConsumer:
    """Consumes `topics` as `group_id`, applying events through `handlers` by type."""

    def __init__(
        self,
        engine: AsyncEngine,
        bootstrap_servers: str,
        group_id: str,
        topics: Sequence[str],
        handlers: Handlers,
        schemas: SchemaCatalogue | None = None,
        max_retries: int = 5,
        backoff: Backoff = _DEFAULT_BACKOFF,
        *,
        commit_interval_s: float = COMMIT_INTERVAL_S,
        max_poll_records: int | None = None,
        max_events_per_transaction: int = 500,  # a backlog's run; live runs are small
        consumer_options: Mapping[str, Any] | None = None,
        run_scope: RunScope = no_scope,
    ) -> None:
        self._engine = engine
        self._bootstrap = bootstrap_servers
        self._group = group_id
        self._topics = list(topics)
        self._handlers = dict(handlers)
        self._schemas = schemas
        self._max_retries = max_retries
        self._backoff = backoff
        self._commit_interval_s = commit_interval_s
        self._max_poll_records = max_poll_records
        self._max_events_per_transaction = max(1, max_events_per_transaction)
        self._consumer_options = dict(consumer_options or {})
        self._run_scope = run_scope
        self._stopping = asyncio.Event()
        self._pending: dict[Any, int] = {}
        self._positions: dict[tuple[str, int], int] = {}
        self._progress = asyncio.Condition()
        self.stats = ConsumerStats()
        self.last_poll = time.monotonic()
        """When this consumer last polled Kafka or tried to (its liveness)."""

    def stop(self) -> None:
        """Finish the record in hand, commit offsets and return from `run`."""
        self._stopping.set()

    def positions(self) -> dict[tuple[str, int], int]:
        return dict(self._positions)  # next offset per (topic, partition) finished here

    async def wait_for(self, targets: Mapping[tuple[str, int], int], timeout_s: float) -> None:
        """Wait until each (topic, partition) is finished up to the target next offset."""
        async with asyncio.timeout(timeout_s), self._progress:
            await self._progress.wait_for(
                lambda: all(self._positions.get(tp, 0) >= n for tp, n in targets.items())
            )

    async def run(self) -> None:
        """Consume until `stop()`; reconnects after broker failures."""
        await run_until_stopped(self._session, self._stopping, self._backoff, self._failed)

    def _failed(self, exc: Exception, retry_in_s: float) -> None:
        self.last_poll = time.monotonic()
        _log.warning(
            "inbox_consumer_failed",
            group=self._group,
            error=type(exc).__name__,
            retry_in_s=retry_in_s,
        )

    async def _session(self) -> None:
        options = {
            "fetch_max_wait_ms": FETCH_MAX_WAIT_MS,
            **self._consumer_options,
            "bootstrap_servers": self._bootstrap,
            "group_id": self._group,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
        }
        consumer = AIOKafkaConsumer(**options)
        producer = idempotent_producer(self._bootstrap)
        await producer.start()
        try:
            consumer.subscribe(self._topics, listener=CommitBeforeRevoke(self._commit, consumer))
            await consumer.start()
            try:
                await self._consume(consumer, producer)
                await self._commit(consumer)  # graceful stop only; a crash commits nothing
            finally:
                await consumer.stop()
        finally:
            await producer.stop()

    async def _consume(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer) -> None:
        """Each partition's records are applied by a task of their own, that partition
        paused meanwhile: a poison event holds back only its own partition."""
        last_commit = time.monotonic()
        working: dict[Any, asyncio.Task[None]] = {}
        try:
            while not self._stopping.is_set():
                self.last_poll = time.monotonic()
                # while partitions are being applied, poll briefly: one done resumes soon
                wait, limit = (5 if working else 100), self._max_poll_records
                batch = await consumer.getmany(timeout_ms=wait, max_records=limit)
                for tp, records in batch.items():
                    consumer.pause(tp)
                    working[tp] = asyncio.create_task(
                        self._process_partition(producer, tp, records)
                    )
                for tp in [tp for tp, task in working.items() if task.done()]:
                    working.pop(tp).result()  # a failure ends the session, as before
                    with contextlib.suppress(Exception):  # revoked meanwhile: nothing to resume
                        consumer.resume(tp)
                if self._pending and time.monotonic() - last_commit >= self._commit_interval_s:
                    await self._commit(consumer)
                    last_commit = time.monotonic()
                measure_lag(consumer, self._group, self._positions)
        finally:
            await asyncio.gather(*working.values(), return_exceptions=True)

    async def _commit(self, consumer: AIOKafkaConsumer, only: set[Any] | None = None) -> None:
        offsets = {tp: n for tp, n in self._pending.items() if only is None or tp in only}
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
        except KafkaError as exc:  # e.g. partition moved: the inbox absorbs redelivery
            _log.warning("inbox_offset_commit_failed", group=self._group, error=type(exc).__name__)
        for tp, offset in offsets.items():
            if self._pending.get(tp) == offset:
                del self._pending[tp]

    async def _process_partition(
        self, producer: AIOKafkaProducer, tp: Any, records: Sequence[Any]
    ) -> None:
        # A record that cannot be decoded closes the run and goes to the DLT in its turn.
        run: list[tuple[Any, Event]] = []
        for record in records:
            if self._stopping.is_set():
                return  # the rest is redelivered to whoever consumes next
            try:
                event = self._decode(record)
            except (InvalidEnvelope, SchemaViolation) as exc:
                if not await self._apply_run(producer, tp, run):
                    return
                run = []
                if not await self._dead_letter(producer, record, exc, attempts=0):
                    return
                await self._advance(tp, record)
                continue
            run.append((record, event))
            if len(run) >= self._max_events_per_transaction:
                if not await self._apply_run(producer, tp, run):
                    return
                run = []
        await self._apply_run(producer, tp, run)

    def _decode(self, record: Any) -> Event:
        event = from_record(record.key, record.value, record.headers)
        if self._schemas is not None and event.type in self._schemas:
            self._schemas.validate(event.type, event.data)
        return event

    async def _advance(self, tp: Any, record: Any) -> None:
        self._pending[tp] = record.offset + 1
        self._positions[(record.topic, record.partition)] = record.offset + 1
        async with self._progress:
            self._progress.notify_all()

    async def _apply_run(
        self, producer: AIOKafkaProducer, tp: Any, run: Sequence[tuple[Any, Event]]
    ) -> bool:
        """Apply a run of one partition's events in one transaction, else one by one."""
        if len(run) > 1:
            try:
                await self._apply([event for _, event in run])
            except Exception as exc:  # find the culprit: each event in its own transaction
                _log.info("inbox_run_failed", group=self._group, error=type(exc).__name__)
            else:
                await self._advance(tp, run[-1][0])
                return True
        for record, event in run:
            if not await self._apply_with_retries(producer, record, event):
                return False
            await self._advance(tp, record)
        return True

    async def _apply_with_retries(
        self, producer: AIOKafkaProducer, record: Any, event: Event
    ) -> bool:
        attempts = outages = 0
        while True:
            try:
                await self._apply([event])
            except RejectEvent as exc:
                return await self._dead_letter(producer, record, exc, attempts + 1)
            except Exception as exc:  # classified below; text never logged
                self.stats.failed_attempts += 1
                if is_outage(exc):
                    outages += 1
                    delay = self._backoff.delay(outages)
                else:
                    attempts += 1
                    if attempts > self._max_retries:
                        return await self._dead_letter(producer, record, exc, attempts)
                    delay = self._backoff.delay(attempts)
                _log.warning(
                    "event_apply_failed",
                    group=self._group,
                    event_id=event.id,
                    event_type=event.type,
                    error=type(exc).__name__,
                    attempt=attempts + outages,
                    retry_in_s=delay,
                )
                if await sleep_unless(self._stopping, delay):
                    return False
            else:
                return True

    async def _apply(self, events: Sequence[Event]) -> None:
        started = time.perf_counter()
        async with self._engine.begin() as conn, self._run_scope(conn):
            new = await record_new(conn, self._group, [(e.id, e.type) for e in events])
            outcomes = await apply_run(conn, self._handlers, events, new)
        INBOX_TRANSACTION_SECONDS.labels(self._group).observe(time.perf_counter() - started)
        for outcome in outcomes:  # counted once committed
            EVENTS_CONSUMED.labels(self._group, outcome).inc()
            setattr(self.stats, outcome, getattr(self.stats, outcome) + 1)

    async def _dead_letter(
        self, producer: AIOKafkaProducer, record: Any, exc: BaseException, attempts: int
    ) -> bool:
        headers = dead_letter_headers(record, self._group, exc, attempts)
        if not await park(producer, record, headers, self._stopping, self._backoff):
            return False
        self.stats.dead_lettered += 1
        log_parked(self._group, record, exc)
        return True
