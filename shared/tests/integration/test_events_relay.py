"""The transactional outbox and its relay against real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_devstack.testing import read_records, until
from carecoord_shared.events import (
    Event,
    OutboxRelay,
    inbox,
    new_event,
    outbox,
)
from carecoord_shared.events import add as add_to_outbox
from carecoord_shared.logging import correlation_id_var

TRIAGED = "carecoord.referral.triaged.v1"
PATIENTS = ["9000000009", "9000000017", "9000000025", "9000000033", "9000000041"]


def _event(nhs: str, n: int = 0) -> Event:
    return new_event(
        TRIAGED,
        source="/carecoord/referrals",
        subject=f"ServiceRequest/sr-{nhs}",
        data={"outcome": "accepted", "n": n},
        nhs_number=nhs,
    )


async def _unpublished(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        return int(await conn.scalar(query) or 0)


async def test_migrated_tables_match_the_code(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        found = await conn.run_sync(
            lambda sync: {
                table: {c["name"]: bool(c["nullable"]) for c in inspect(sync).get_columns(table)}
                for table in ("outbox", "inbox")
            }
        )
    expected = {t.name: {c.name: bool(c.nullable) for c in t.columns} for t in (outbox, inbox)}
    assert found == expected


async def test_an_event_committed_with_its_change_is_published_and_a_rolled_back_one_is_not(
    engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("create table referral (id text primary key, nhs text)"))
    async with engine.connect() as conn, conn.begin() as transaction:
        await conn.execute(text("insert into referral values ('sr-0', :n)"), {"n": PATIENTS[0]})
        await add_to_outbox(conn, topic, _event(PATIENTS[0], n=0))
        await transaction.rollback()  # the request failed after its event was written
    token = correlation_id_var.set("corr-relay-1")
    try:
        event = _event(PATIENTS[0], n=1)
    finally:
        correlation_id_var.reset(token)
    async with engine.begin() as conn:
        await conn.execute(text("insert into referral values ('sr-1', :n)"), {"n": PATIENTS[0]})
        await add_to_outbox(conn, topic, event)

    relay = OutboxRelay(engine, kafka_bootstrap)
    task = asyncio.create_task(relay.run())
    try:
        records = await read_records(kafka_bootstrap, topic, 1)
    finally:
        relay.stop()
        await task

    # Same key, same partition: a published rolled-back event would have come first.
    assert len(records) == 1
    record = records[0]
    headers = {name: value.decode() for name, value in record.headers}
    assert record.key == PATIENTS[0].encode()
    assert orjson.loads(record.value) == {"outcome": "accepted", "n": 1}
    assert headers["ce_id"] == event.id
    assert headers["ce_type"] == TRIAGED
    assert headers["ce_source"] == "/carecoord/referrals"
    assert headers["ce_subject"] == f"ServiceRequest/sr-{PATIENTS[0]}"
    assert headers["ce_specversion"] == "1.0"
    assert headers["content-type"] == "application/json"
    assert headers["correlation_id"] == "corr-relay-1"
    assert headers["traceparent"] == event.traceparent
    assert await _unpublished(engine) == 0


async def test_outbox_add_refuses_to_run_outside_a_transaction(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        with pytest.raises(RuntimeError, match="open transaction"):
            await add_to_outbox(conn, "t", _event(PATIENTS[0]))


async def test_a_patients_next_event_waits_for_the_open_transaction_holding_their_last(
    engine: AsyncEngine,
) -> None:
    # Otherwise a transaction that drew a lower seq could commit after the relay had
    # published a higher one for the same patient, and the patient's order would break.
    async with engine.connect() as first, engine.connect() as second, engine.connect() as third:
        await first.begin()
        await add_to_outbox(first, "t", _event(PATIENTS[0], 1))
        await second.begin()
        same_patient = asyncio.create_task(add_to_outbox(second, "t", _event(PATIENTS[0], 2)))
        await third.begin()
        await asyncio.wait_for(add_to_outbox(third, "t", _event(PATIENTS[1], 1)), 2)
        await third.commit()
        await asyncio.sleep(0.3)
        assert not same_patient.done()
        await first.commit()
        await asyncio.wait_for(same_patient, 2)
        await second.commit()
    async with engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.key, outbox.c.payload).order_by("seq"))).all()
    numbers = [orjson.loads(payload)["n"] for key, payload in rows if key == PATIENTS[0]]
    assert numbers == [1, 2]


async def test_a_relay_cancelled_mid_batch_loses_nothing_and_keeps_each_patients_order(
    engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    per_patient = 600
    ids: set[str] = set()
    for start in range(0, per_patient, 50):
        async with engine.begin() as conn:
            for n in range(start, start + 50):
                for nhs in PATIENTS:
                    event = _event(nhs, n)
                    ids.add(event.id)
                    await add_to_outbox(conn, topic, event)

    # A lingering producer keeps each batch in flight for a while (200 ms: wide enough
    # that a loaded machine's scheduling cannot step over it), so the cancel lands after
    # the batch's records were handed to Kafka and before they are marked.
    lingering = {"linger_ms": 200}
    first = OutboxRelay(engine, kafka_bootstrap, batch_size=100, producer_options=lingering)
    task = asyncio.create_task(first.run())
    await until(lambda: first.published >= 300, timeout_s=20)
    await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    left_over = await _unpublished(engine)
    assert 0 < left_over < len(ids)

    second = OutboxRelay(engine, kafka_bootstrap, batch_size=100)
    task = asyncio.create_task(second.run())
    try:
        records = await read_records(
            kafka_bootstrap,
            topic,
            lambda got: {dict(r.headers)["ce_id"].decode() for r in got} >= ids,
        )
    finally:
        second.stop()
        await task

    seen: set[str] = set()
    sequences: dict[bytes, list[int]] = {}
    for record in records:
        event_id = dict(record.headers)["ce_id"].decode()
        if event_id in seen:
            continue  # a redelivery, as a consumer's inbox would drop it
        seen.add(event_id)
        sequences.setdefault(record.key, []).append(orjson.loads(record.value)["n"])
    assert seen == ids
    assert len(records) > len(ids)  # the cancelled batch was sent again
    assert {key.decode() for key in sequences} == set(PATIENTS)
    for sequence in sequences.values():
        assert sequence == list(range(per_patient))
    assert await _unpublished(engine) == 0


async def test_only_one_relay_publishes_and_a_standby_takes_over(
    engine: AsyncEngine, kafka_bootstrap: str, topic: str
) -> None:
    relays = [OutboxRelay(engine, kafka_bootstrap, standby_poll_s=0.05) for _ in range(2)]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:
        await until(lambda: any(relay.active for relay in relays), timeout_s=10)
        await asyncio.sleep(0.3)  # the standby has polled the lock several times by now
        assert [relay.active for relay in relays].count(True) == 1
        leader = next(i for i, relay in enumerate(relays) if relay.active)
        relays[leader].stop()
        await tasks[leader]
        standby = relays[1 - leader]
        await until(lambda: standby.active, timeout_s=10)
        async with engine.begin() as conn:
            await add_to_outbox(conn, topic, _event(PATIENTS[1]))
        records = await read_records(kafka_bootstrap, topic, 1)
        assert records[0].key == PATIENTS[1].encode()
        await until(lambda: standby.published == 1, timeout_s=5)  # marked just after send
        assert standby.published == 1
    finally:
        for relay in relays:
            relay.stop()
        await asyncio.gather(*tasks)
