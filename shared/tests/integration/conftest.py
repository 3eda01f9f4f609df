"""The kernel's integration tests' own database and topic: the kernel's tables migrated
on the test's fresh database with an engine on it, and a Kafka topic of the test's own.
A module that needs more (a table of its own, rows) overrides `engine` with one that
builds on this."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_devstack.testing import drop_topic
from carecoord_shared.db import create_engine, migrate_async
from carecoord_shared.events import ensure_topics


@pytest.fixture
async def engine(fresh_database_url: str) -> AsyncIterator[AsyncEngine]:
    await migrate_async(fresh_database_url)
    engine = create_engine(fresh_database_url, pool_size=6)
    yield engine
    await engine.dispose()


@pytest.fixture
async def topic(kafka_bootstrap: str) -> AsyncIterator[str]:
    name = f"test.kernel.{uuid.uuid4().hex[:12]}"
    await ensure_topics(kafka_bootstrap, [name])
    yield name
    await drop_topic(kafka_bootstrap, name)
