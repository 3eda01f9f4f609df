"""Outbox to relay to Kafka to inbox consumer, end to end: every patient's order holds."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_devstack.testing import drop_topic, until
from carecoord_shared.events import (
    Backoff,
    Event,
    InboxConsumer,
    OutboxRelay,
    ensure_topics,
    new_event,
)
from carecoord_shared.events import add as add_to_outbox

REVISED = "carecoord.careplan.revised.v1"
PATIENTS = [f"90000{n:05d}" for n in range(20)]
PER_PATIENT = 50


@pytest.fixture
async def engine(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        await conn.execute(text("create table applied (arrival bigserial, nhs text, n int)"))
    return engine


async def apply_revision(conn: AsyncConnection, event: Event) -> None:
    await conn.execute(
        text("insert into applied (nhs, n) values (:nhs, :n)"),
        {"nhs": event.key, "n": event.data["revision"]},
    )


async def test_a_thousand_keyed_events_across_three_partitions_keep_each_patients_order(
    engine: AsyncEngine, kafka_bootstrap: str
) -> None:
    topic = f"test.pipeline.{uuid.uuid4().hex[:12]}"
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)
    try:
        await _publish_and_consume(engine, kafka_bootstrap, topic)
    finally:
        await drop_topic(kafka_bootstrap, topic)


async def _publish_and_consume(engine: AsyncEngine, kafka_bootstrap: str, topic: str) -> None:
    # Many small transactions, patients interleaved, as concurrent requests would write them.
    for revision in range(PER_PATIENT):
        for start in range(0, len(PATIENTS), 5):
            async with engine.begin() as conn:
                for nhs in PATIENTS[start : start + 5]:
                    event = new_event(
                        REVISED,
                        source="/carecoord/care_plans",
                        subject=f"CarePlan/cp-{nhs}",
                        data={"revision": revision},
                        nhs_number=nhs,
                    )
                    await add_to_outbox(conn, topic, event)

    relay = OutboxRelay(engine, kafka_bootstrap, batch_size=200)
    consumer = InboxConsumer(
        engine,
        kafka_bootstrap,
        f"g-{uuid.uuid4().hex[:8]}",
        [topic],
        {REVISED: apply_revision},
        backoff=Backoff(initial_s=0.01, max_s=0.05),
        consumer_options={"session_timeout_ms": 6000, "heartbeat_interval_ms": 500},
    )
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    try:
        await until(lambda: consumer.stats.handled == len(PATIENTS) * PER_PATIENT, timeout_s=30)
    finally:
        relay.stop()
        consumer.stop()
        await asyncio.gather(*tasks)

    async with engine.connect() as conn:
        rows = (await conn.execute(text("select nhs, n from applied order by arrival"))).all()
    assert len(rows) == len(PATIENTS) * PER_PATIENT
    by_patient: dict[str, list[int]] = {}
    for nhs, n in rows:
        by_patient.setdefault(nhs, []).append(n)
    assert by_patient == {nhs: list(range(PER_PATIENT)) for nhs in PATIENTS}
    assert {partition for _, partition in consumer.positions()} == {0, 1, 2}
