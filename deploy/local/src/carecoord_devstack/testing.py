"""Test support shared by every test tier: fresh databases, topics, waiting, apps.

Tests never share rows: each that needs a database gets a new, empty one with a
unique name on the project's own PostgreSQL (or on `CARECOORD_TEST_DATABASE_URL`'s
server, for runs against servers started elsewhere).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from carecoord_devstack.postgres import TEST_DATABASE_PREFIX, postgres_url
from carecoord_shared.events import Event, dead_letter_topic, idempotent_producer, to_record
from carecoord_shared.fhir.identifiers import with_check_digit

T = TypeVar("T")

# Below 1000 is left for numbers written into tests by hand, such as 9990000018.
_serial = itertools.count(1000)


def nhs_numbers_in_test_range(count: int, first: int = 800_000) -> list[str]:
    """`count` valid NHS numbers from the 999 test range (never a real person's)."""
    made = (with_check_digit(f"999{n:06d}") for n in itertools.count(first))
    return list(itertools.islice((m for m in made if m is not None), count))


def new_nhs_number() -> str:
    """A fresh, valid NHS number from the 999 test range, unique in this process."""
    while (made := with_check_digit(f"999{next(_serial):06d}")) is None:
        pass
    return made


def admin_url() -> str:
    return os.environ.get("CARECOORD_TEST_DATABASE_URL") or postgres_url("postgres")


_created: list[str] = []


async def _as_admin(*statements: str) -> None:
    engine = create_async_engine(admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def create_fresh_database(prefix: str) -> str:
    """Create an empty database with a unique name and return its asyncpg URL (dropped
    again by `drop_fresh_databases` when the test session ends)."""
    name = f"{TEST_DATABASE_PREFIX}{prefix}_{uuid.uuid4().hex[:10]}"
    await _as_admin(f'create database "{name}"')
    _created.append(name)
    return make_url(admin_url()).set(database=name).render_as_string(hide_password=False)


def drop_fresh_databases() -> None:
    """Drop every database this process created (a test session's end); a thread of its
    own, as the session's event loop may still be open."""
    names, _created[:] = list(_created), []
    if names:
        drops = [f'drop database if exists "{name}" with (force)' for name in names]
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _as_admin(*drops)).result()


async def until(condition: Callable[[], bool], timeout_s: float) -> None:
    """Poll state that another task owns until `condition` holds (or time out)."""
    async with asyncio.timeout(timeout_s):
        while True:  # the state belongs to another task that signals nothing: poll it
            if condition():
                return
            await asyncio.sleep(0.005)


async def drop_topic(bootstrap: str, topic: str) -> None:
    """Keep the local broker small: every test makes a topic and its dead-letter topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics([topic, dead_letter_topic(topic)])
    finally:
        await admin.close()


async def eventually(check: Callable[[], Awaitable[T]], timeout_s: float = 30.0) -> T:
    """Await `check` (a query another process or task will satisfy) until its value is
    truthy, and return that value; fail the test after `timeout_s`."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await check()
        if value:
            return value
        assert asyncio.get_running_loop().time() < deadline, "the condition never held"
        await asyncio.sleep(0.1)


async def publish(bootstrap: str, topic: str, *events: Event) -> None:
    """Put `events` on `topic` as the services' relays do (CloudEvents, keyed by NHS number)."""
    producer = idempotent_producer(bootstrap)
    await producer.start()
    try:
        for event in events:
            record = to_record(event)
            await producer.send_and_wait(
                topic, record.value, key=record.key, headers=list(record.headers)
            )
    finally:
        await producer.stop()


Records = list[ConsumerRecord[bytes, bytes]]


async def read_records(
    bootstrap: str,
    topic: str,
    wanted: int | Callable[[Records], bool],
    timeout_s: float = 30.0,
) -> Records:
    """Every record of `topic` from its start (each partition's order kept), read as an
    outside consumer would, until there are `wanted` of them or `wanted(records)` holds."""
    done = wanted if callable(wanted) else lambda records: len(records) >= wanted
    consumer: AIOKafkaConsumer[bytes, bytes] = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    records: Records = []
    try:
        async with asyncio.timeout(timeout_s):
            while not done(records):
                for batch in (await consumer.getmany(timeout_ms=200)).values():
                    records.extend(batch)
    finally:
        await consumer.stop()
    return records


@asynccontextmanager
async def serving(app: FastAPI, base_url: str, **client: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Start `app`'s lifespan (migrations, pools, keys) and yield an in-process client
    (`client` are httpx.AsyncClient's keyword arguments, such as headers)."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=base_url, **client
        ) as http,
    ):
        yield http
