"""Batch handlers (`events.batch`) against real PostgreSQL and Kafka: a run's events
applied set-based, exactly once, in order, a poison event parked alone."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_devstack.testing import read_records
from carecoord_shared.events import (
    DLT_ORIGINAL_OFFSET,
    Event,
    Handlers,
    batch,
    dead_letter_topic,
)
from shared.tests.integration.test_events_consumer import (
    NOTED,
    _as_raw,
    _consumer,
    _event,
    _noted,
    consume,
    engine,
    note,
    send,
)

__all__ = ["engine"]  # the fixture (with its table), shared with the one-by-one consumer's tests
OTHER = "carecoord.test.other.v1"
POISON_N = 15


class Recorder:
    """A batch handler inserting a whole stretch in one statement; it cannot apply a
    stretch holding event `POISON_N` (nor that event alone)."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    async def apply(self, conn: AsyncConnection, events: Sequence[Event]) -> None:
        numbers = [int(e.data["n"]) for e in events]
        self.calls.append(numbers)
        if POISON_N in numbers:
            raise ValueError("cannot apply this one")
        await conn.execute(
            text(
                "insert into noted select unnest(cast(:ids as text[])), unnest(cast(:ns as int[]))"
            ),
            {"ids": [e.id for e in events], "ns": numbers},
        )


async def _order(engine: AsyncEngine) -> list[int]:
    """The n of each row in the order the rows were written."""
    async with engine.connect() as conn:
        rows = await conn.execute(text("select n from noted order by ctid"))
        return [int(n) for (n,) in rows]


async def test_a_batch_handler_gets_stretches_of_a_run_in_order_exactly_once(
    engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    recorder = Recorder()
    handlers: Handlers = {NOTED: batch(recorder.apply), OTHER: note}
    group = f"g-{uuid.uuid4().hex[:8]}"
    first = [_event(OTHER if n == 6 else NOTED, n) for n in range(1, 11)]
    sent = await send(kafka_bootstrap, topic, *map(_as_raw, first))
    assert len({meta.partition for meta in sent}) == 1  # one patient, one partition
    await consume(sent, _consumer(engine, kafka_bootstrap, group, topic, handlers))

    # 1-5 at once, 6 by its own handler, 7-10 at once: in order, each once
    assert recorder.calls == [[1, 2, 3, 4, 5], [7, 8, 9, 10]]
    assert await _order(engine) == list(range(1, 11))

    # then a poison event among new ones, and a redelivery of 3 right behind them
    second = [_event(NOTED, n) for n in range(11, 21)]
    sent = await send(kafka_bootstrap, topic, *map(_as_raw, [*second, first[2]]))
    consumer = _consumer(
        engine, kafka_bootstrap, group, topic, {NOTED: batch(recorder.apply)}, max_retries=1
    )
    await consume(sent, consumer)

    assert recorder.calls[2] == list(range(11, 21))  # the stretch, failed, then one by one
    assert [call for call in recorder.calls[3:] if call != [POISON_N]] == [
        [n] for n in range(11, 21) if n != POISON_N
    ]
    assert await _order(engine) == [n for n in range(1, 21) if n != POISON_N]
    assert await _noted(engine) == sorted(await _order(engine))  # nothing twice
    assert (consumer.stats.handled, consumer.stats.dead_lettered) == (9, 1)
    assert consumer.stats.duplicates == 1
    [parked] = await read_records(kafka_bootstrap, dead_letter_topic(topic), 1, 15)
    headers = dict(parked.headers)
    assert headers[DLT_ORIGINAL_OFFSET] == str(sent[POISON_N - 11].offset).encode()


@pytest.mark.parametrize("size", [1, 3])
async def test_a_run_of_duplicates_reaches_no_batch_handler(
    engine: AsyncEngine, kafka_bootstrap: str, topic: str, size: int
) -> None:
    recorder = Recorder()
    events = [_event(NOTED, n) for n in range(1, size + 1)]
    sent = await send(kafka_bootstrap, topic, *map(_as_raw, events + events))
    group = f"g-{uuid.uuid4().hex[:8]}"
    consumer = _consumer(engine, kafka_bootstrap, group, topic, {NOTED: batch(recorder.apply)})
    await consume(sent, consumer)
    assert recorder.calls == [list(range(1, size + 1))]
    assert (consumer.stats.handled, consumer.stats.duplicates) == (size, size)
