"""Each repository contract runs twice: on its in-memory fake and on PostgreSQL.

The PostgreSQL side is a fresh database migrated with the service's tables (one per
module), each test in a transaction that is rolled back, so tests never see each
other's rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_devstack.testing import create_fresh_database
from carecoord_shared.db import create_engine, migrate_async
from carecoord_shared.ports import Repository
from referrals.store.tables import MIGRATIONS
from services.referrals.tests.fakes import fake_repositories


@pytest.fixture(scope="module")
async def store_engine(infrastructure: None) -> AsyncIterator[AsyncEngine]:
    url = await create_fresh_database("referrals_store")
    await migrate_async(url, MIGRATIONS)
    engine = create_engine(url, 2)
    try:
        yield engine
    finally:
        await engine.dispose()


Make = Callable[[type[Repository]], Any]


@pytest.fixture(params=["in-memory", "postgresql"])
async def make(request: pytest.FixtureRequest, store_engine: AsyncEngine) -> AsyncIterator[Make]:
    """`make(RepositoryClass)`: the fake, or the real one on a rolled-back transaction."""
    if request.param == "in-memory":
        fakes = fake_repositories()
        yield lambda kind: fakes[kind]
        return
    async with store_engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield lambda kind: kind(conn)
        finally:
            await transaction.rollback()
