"""Test support shared by every test tier: fresh databases, topics, waiting.

Tests never share rows: each that needs a database gets a new, empty one with a
unique name on the project's own PostgreSQL (or on `CARECOORD_TEST_DATABASE_URL`'s
server, for runs against servers started elsewhere).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from carecoord_devstack.postgres import TEST_DATABASE_PREFIX, postgres_url
from carecoord_shared.events import dead_letter_topic
from carecoord_shared.fhir.identifiers import with_check_digit

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
