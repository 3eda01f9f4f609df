"""Test support shared by every test tier: fresh databases, topics, settings, waiting,
apps and workers.

Tests never share rows: each that needs a database gets a new, empty one with a
unique name on the project's own PostgreSQL (or on `CARECOORD_TEST_DATABASE_URL`'s
server, for runs against servers started elsewhere).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from carecoord_devstack.postgres import TEST_DATABASE_PREFIX, postgres_url
from carecoord_shared.db import create_engine
from carecoord_shared.events import Event, dead_letter_topic, idempotent_producer, to_record
from carecoord_shared.fhir.identifiers import with_check_digit
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import Role
from carecoord_shared.settings import ServiceSettings
from carecoord_shared.worker_runtime import Worker

T = TypeVar("T")
S = TypeVar("S", bound=ServiceSettings)

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


_TOPIC_OF = {"referrals_topic": "referrals", "care_plans_topic": "care_plans", "mdt_topic": "mdt"}
"""Settings that name another service's topic, and that service."""


def new_run() -> str:
    """A short name for one test's own topics (`settings_under_test(topics=...)`)."""
    return uuid.uuid4().hex[:8]


def run_topic(service: str, run: str) -> str:
    """`service`'s topic in test run `run`: `test.careplans.<run>` for care_plans."""
    return f"test.{service.replace('_', '')}.{run}"


def settings_under_test(
    settings_class: type[S],
    *,
    database_url: str,
    jwks_url: str,
    kafka_bootstrap: str,
    public_base_url: str | None = None,
    topics: str | None = None,
    **overrides: Any,
) -> S:
    """A service's settings for a test: environment `test`, quiet logs, its own database,
    tokens checked against the test issuer's keys, the session's Kafka. With `topics` (a
    run from `new_run`), it publishes on and consumes from that run's own topics, so two
    services given one run talk to each other and to no other test."""
    values: dict[str, Any] = {
        "environment": "test",
        "log_level": "WARNING",
        "database_url": database_url,
        "auth_jwks_url": jwks_url,
        "kafka_bootstrap_servers": kafka_bootstrap,
    }
    if public_base_url is not None:
        values["public_base_url"] = public_base_url
    if topics is not None:
        fields = settings_class.model_fields
        values["topic"] = run_topic(str(fields["service_name"].default), topics)
        values |= {f: run_topic(s, topics) for f, s in _TOPIC_OF.items() if f in fields}
    return settings_class(**(values | overrides))


@asynccontextmanager
async def engine_on(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A small engine of the test's own on the database a service under test uses (for
    seeding and checking rows beside the app), disposed afterwards."""
    engine = create_engine(database_url, pool_size=2)
    try:
        yield engine
    finally:
        await engine.dispose()


async def warm_up(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> None:
    """One authenticated request (answered 200) before the tests run, so the app has
    loaded the issuer's keys before tests send requests in parallel."""
    answer = await client.get(path, headers=headers)
    assert answer.status_code == 200, answer.text


@asynccontextmanager
async def working(*workers: Worker, start_timeout_s: float = 60.0) -> AsyncIterator[None]:
    """Run `workers` (consumers, relays, jobs) in this event loop until the block ends;
    the block starts once every one has started consuming."""
    tasks = [asyncio.create_task(worker.run()) for worker in workers]
    try:
        await asyncio.wait_for(
            asyncio.gather(*(w.started.wait() for w in workers)), start_timeout_s
        )
        yield
    finally:
        for worker in workers:
            worker.stopping.set()
        await asyncio.gather(*tasks)


@dataclass(slots=True)
class SetClock:
    """A clock a test sets by hand (`clock.now = ...`); the app reads it by calling it."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


def outcome_codes(response: httpx.Response) -> list[str]:
    """The issue codes of the OperationOutcome in `response` (asserting it is one)."""
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return [issue["code"] for issue in body["issue"]]


@functools.cache
def minted(issuer: DevIssuer, role: Role, **claims: Any) -> str:
    """`issuer.mint(role, **claims)`, signed once per issuer and claims and then reused,
    as a real client keeps its token: the services' verifier caches work as in use, and
    tests do not pay for signing on every request."""
    return issuer.mint(role, **claims)
