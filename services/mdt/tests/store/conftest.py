"""The `store` fixture: every mdt repository, in memory or on PostgreSQL.

Each contract test runs twice, once on the fakes of `tests/fakes.py` and once on the
real repositories over one connection to a freshly migrated database (rolled back
after each test), so the fakes the handler unit tests rely on cannot drift.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_devstack.testing import create_fresh_database
from carecoord_shared.db import create_engine, migrate_async
from mdt.store.actions import Actions
from mdt.store.cases import Cases
from mdt.store.meetings import Meetings
from mdt.store.patients import Patients
from mdt.store.tables import MIGRATIONS
from mdt.store.teams import Teams
from services.mdt.tests.fakes import FakeStore


@dataclass
class Store:
    teams: Teams
    meetings: Meetings
    cases: Cases
    actions: Actions
    patients: Patients


class Database:
    """One migrated database per test module, made only when a PostgreSQL case runs."""

    def __init__(self) -> None:
        self.engine: AsyncEngine | None = None

    async def connect(self) -> AsyncEngine:
        if self.engine is None:
            url = await create_fresh_database("mdt")
            await migrate_async(url, MIGRATIONS)
            self.engine = create_engine(url, 2)
        return self.engine


@pytest.fixture(scope="module")
async def database() -> AsyncIterator[Database]:
    found = Database()
    try:
        yield found
    finally:
        if found.engine is not None:
            await found.engine.dispose()


@pytest.fixture(params=["in-memory", "postgresql"])
async def store(request: pytest.FixtureRequest, database: Database) -> AsyncIterator[Store]:
    if request.param == "in-memory":
        fake = FakeStore()
        yield Store(fake.teams, fake.meetings, fake.cases, fake.actions, fake.patients)
        return
    request.getfixturevalue("infrastructure")
    engine = await database.connect()
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield Store(Teams(conn), Meetings(conn), Cases(conn), Actions(conn), Patients(conn))
        finally:
            await transaction.rollback()
