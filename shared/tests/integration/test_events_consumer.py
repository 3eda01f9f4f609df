"""The inbox consumer against real PostgreSQL and Kafka: once-only effects and the DLT."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_devstack.testing import read_records, until
from carecoord_shared.db import create_engine
from carecoord_shared.events import (
    DLT_ATTEMPTS,
    DLT_CONSUMER_GROUP,
    DLT_ERROR_CLASS,
    DLT_ERROR_MESSAGE,
    DLT_ORIGINAL_OFFSET,
    DLT_ORIGINAL_PARTITION,
    DLT_ORIGINAL_TOPIC,
    Backoff,
    Event,
    Handlers,
    InboxConsumer,
    SchemaCatalogue,
    dead_letter_topic,
    idempotent_producer,
    inbox,
    new_event,
    to_record,
)

NHS = "9000000009"
NOTED = "carecoord.test.noted.v1"
POISON = "carecoord.test.poison.v1"
FAST = Backoff(initial_s=0.01, multiplier=2.0, max_s=0.05)
SMALL_GROUP_TIMEOUTS = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 500}


@pytest.fixture
async def engine(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        await conn.execute(text("create table noted (event_id text, n int)"))
    return engine


async def note(conn: AsyncConnection, event: Event) -> None:
    """The effect under test: one row per application (no unique key to hide repeats)."""
    await conn.execute(
        text("insert into noted values (:id, :n)"), {"id": event.id, "n": event.data["n"]}
    )


async def poison(conn: AsyncConnection, event: Event) -> None:
    raise ValueError(f"cannot apply for patient {NHS}")


def _event(event_type: str, n: int) -> Event:
    return new_event(event_type, source="/test", subject="Task/t-1", data={"n": n}, nhs_number=NHS)


async def send(bootstrap: str, topic: str, *records: tuple[bytes, bytes, Any]) -> list[Any]:
    """Publish raw (key, value, headers) records; returns their (topic, partition, offset)."""
    producer = idempotent_producer(bootstrap)
    await producer.start()
    try:
        return [
            await producer.send_and_wait(topic, value, key=key, headers=list(headers))
            for key, value, headers in records
        ]
    finally:
        await producer.stop()


def _as_raw(event: Event) -> tuple[bytes, bytes, Any]:
    record = to_record(event)
    return record.key, record.value, record.headers


def _targets(sent: list[Any]) -> dict[tuple[str, int], int]:
    targets: dict[tuple[str, int], int] = {}
    for meta in sent:
        key = (meta.topic, meta.partition)
        targets[key] = max(targets.get(key, 0), meta.offset + 1)
    return targets


def _consumer(
    engine: AsyncEngine,
    bootstrap: str,
    group: str,
    topic: str,
    handlers: Handlers,
    **options: Any,
) -> InboxConsumer:
    return InboxConsumer(
        engine,
        bootstrap,
        group,
        [topic],
        handlers,
        backoff=FAST,
        consumer_options=SMALL_GROUP_TIMEOUTS,
        **options,
    )


async def consume(sent: list[Any], consumer: InboxConsumer, timeout_s: float = 30) -> None:
    """Run `consumer` until it has applied everything `sent`, then stop it gracefully."""
    task = asyncio.create_task(consumer.run())
    try:
        await consumer.wait_for(_targets(sent), timeout_s=timeout_s)
    finally:
        consumer.stop()
        await task


async def _noted(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("select n from noted order by n"))).scalars())


async def test_a_consumer_killed_before_its_offset_commit_changes_nothing_on_redelivery(
    engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    sent = await send(kafka_bootstrap, topic, _as_raw(_event(NOTED, 1)))
    group = f"g-{uuid.uuid4().hex[:8]}"
    # Offsets are only committed an hour after the effect: the crash lands in between.
    crashing = _consumer(
        engine, kafka_bootstrap, group, topic, {NOTED: note}, commit_interval_s=3600
    )
    task = asyncio.create_task(crashing.run())
    await crashing.wait_for(_targets(sent), timeout_s=20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _noted(engine) == [1]

    restarted = _consumer(engine, kafka_bootstrap, group, topic, {NOTED: note})
    await consume(sent, restarted)
    assert restarted.stats.duplicates == 1  # it really was delivered again
    assert restarted.stats.handled == 0
    assert await _noted(engine) == [1]


async def test_a_poison_event_is_parked_after_its_retries_and_the_partition_flows_on(
    engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    sent = await send(kafka_bootstrap, topic, _as_raw(_event(POISON, 1)), _as_raw(_event(NOTED, 2)))
    assert sent[0].partition == sent[1].partition  # same patient, same partition
    group = f"g-{uuid.uuid4().hex[:8]}"
    consumer = _consumer(
        engine, kafka_bootstrap, group, topic, {NOTED: note, POISON: poison}, max_retries=2
    )
    await consume(sent, consumer)

    assert await _noted(engine) == [2]
    [parked] = await read_records(kafka_bootstrap, dead_letter_topic(topic), 1, 15)
    headers = {name: value.decode() for name, value in parked.headers}
    assert headers[DLT_ORIGINAL_TOPIC] == topic
    assert headers[DLT_ORIGINAL_PARTITION] == str(sent[0].partition)
    assert headers[DLT_ORIGINAL_OFFSET] == str(sent[0].offset)
    assert headers[DLT_CONSUMER_GROUP] == group
    assert headers[DLT_ERROR_CLASS] == "builtins.ValueError"
    assert headers[DLT_ATTEMPTS] == "3"
    assert NHS not in headers[DLT_ERROR_MESSAGE]
    assert headers["ce_type"] == POISON
    assert parked.key == NHS.encode()
    assert consumer.stats.dead_lettered == 1


async def test_schema_breaking_and_non_cloudevent_records_go_straight_to_the_dlt(
    engine: AsyncEngine, kafka_bootstrap: str, topic: str, tmp_path: Path
) -> None:
    (tmp_path / f"{NOTED}.json").write_bytes(
        orjson.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "title": NOTED,
                "type": "object",
                "required": ["n"],
                "properties": {"n": {"type": "integer"}},
            }
        )
    )
    bad_data = dataclasses.replace(_event(NOTED, 0), data={"n": "three"})
    sent = await send(
        kafka_bootstrap,
        topic,
        _as_raw(bad_data),
        (NHS.encode(), b'{"n": 4}', ()),
        _as_raw(_event(NOTED, 5)),
    )
    calls: list[int] = []

    async def counting_note(conn: AsyncConnection, event: Event) -> None:
        calls.append(event.data["n"])
        await note(conn, event)

    consumer = _consumer(
        engine,
        kafka_bootstrap,
        f"g-{uuid.uuid4().hex[:8]}",
        topic,
        {NOTED: counting_note},
        schemas=SchemaCatalogue.from_folder(tmp_path),
    )
    await consume(sent, consumer)

    assert calls == [5]  # never retried, never handed to the handler
    parked = await read_records(kafka_bootstrap, dead_letter_topic(topic), 2, 15)
    by_offset = {int(dict(r.headers)[DLT_ORIGINAL_OFFSET]): r for r in parked}
    schema_failure = {n: v.decode() for n, v in by_offset[sent[0].offset].headers}
    assert schema_failure[DLT_ERROR_CLASS].endswith("SchemaViolation")
    assert schema_failure[DLT_ATTEMPTS] == "0"
    assert "three" not in schema_failure[DLT_ERROR_MESSAGE]
    envelope_failure = {n: v.decode() for n, v in by_offset[sent[1].offset].headers}
    assert envelope_failure[DLT_ERROR_CLASS].endswith("InvalidEnvelope")


async def test_unknown_event_types_are_recorded_and_skipped(
    engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    stranger = _event("carecoord.other.happened.v1", 1)
    sent = await send(kafka_bootstrap, topic, _as_raw(stranger), _as_raw(_event(NOTED, 2)))
    group = f"g-{uuid.uuid4().hex[:8]}"
    consumer = _consumer(engine, kafka_bootstrap, group, topic, {NOTED: note})
    await consume(sent, consumer)
    assert consumer.stats.unknown_types == 1
    assert consumer.stats.dead_lettered == 0
    assert await _noted(engine) == [2]
    async with engine.connect() as conn:
        recorded = await conn.scalar(
            select(func.count()).select_from(inbox).where(inbox.c.event_id == stranger.id)
        )
    assert recorded == 1


async def test_a_consumer_stopped_gracefully_commits_so_its_successor_starts_after(
    engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    sent = await send(kafka_bootstrap, topic, _as_raw(_event(NOTED, 1)))
    group = f"g-{uuid.uuid4().hex[:8]}"
    first = _consumer(engine, kafka_bootstrap, group, topic, {NOTED: note}, commit_interval_s=3600)
    task = asyncio.create_task(first.run())
    await first.wait_for(_targets(sent), timeout_s=20)
    first.stop()
    await task
    sent += await send(kafka_bootstrap, topic, _as_raw(_event(NOTED, 2)))
    successor = _consumer(engine, kafka_bootstrap, group, topic, {NOTED: note})
    await consume(sent, successor)
    assert (successor.stats.handled, successor.stats.duplicates) == (1, 0)
    assert await _noted(engine) == [1, 2]


async def test_a_database_outage_is_waited_out_not_dead_lettered(
    kafka_bootstrap: str, topic: str
) -> None:
    unreachable = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none", pool_size=1)
    await send(kafka_bootstrap, topic, _as_raw(_event(NOTED, 1)))
    consumer = _consumer(
        unreachable, kafka_bootstrap, f"g-{uuid.uuid4().hex[:8]}", topic, {NOTED: note},
        max_retries=1,
    )  # fmt: skip
    task = asyncio.create_task(consumer.run())
    try:
        await until(lambda: consumer.stats.failed_attempts >= 4, timeout_s=20)
    finally:
        consumer.stop()
        await task
        await unreachable.dispose()
    assert consumer.stats.dead_lettered == 0
    assert consumer.positions() == {}


async def test_a_redelivery_right_behind_the_original_is_applied_once(
    engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    # A relay restarted mid-batch sends events again right after the first copies,
    # so both copies usually land in one consumer transaction.
    first, second = _event(NOTED, 1), _event(NOTED, 2)
    sent = await send(
        kafka_bootstrap, topic, _as_raw(first), _as_raw(second), _as_raw(first), _as_raw(second)
    )
    consumer = _consumer(engine, kafka_bootstrap, f"g-{uuid.uuid4().hex[:8]}", topic, {NOTED: note})
    await consume(sent, consumer)
    assert (consumer.stats.handled, consumer.stats.duplicates) == (2, 2)
    assert await _noted(engine) == [1, 2]
