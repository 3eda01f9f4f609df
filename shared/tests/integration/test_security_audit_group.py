"""Group commit of read audits on real PostgreSQL: every row durable, a failure shared."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_shared.db import create_engine, migrate_async
from carecoord_shared.security.audit import AuditTrail, audit_event
from carecoord_shared.security.audit_group import AuditGroup, audit_group, is_autocommit
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import parse_scopes

GP = Principal("555123456789", "staff", "gp", "A11111", None, parse_scopes("user/*.cruds"))


@pytest.fixture
async def engine(fresh_database_url: str) -> AsyncIterator[AsyncEngine]:
    await migrate_async(fresh_database_url)
    engine = create_engine(fresh_database_url, pool_size=4)
    yield engine
    await engine.dispose()


def _rows(entity: str, action: str = "R") -> list[dict[str, object]]:
    trail = AuditTrail(GP)
    trail.add(action, entity, "9990000018")  # type: ignore[arg-type]  # "X": a bad row
    return trail.take()


async def _connections(engine: AsyncEngine, count: int) -> list[AsyncConnection]:
    connections = [await engine.connect() for _ in range(count)]
    for conn in connections:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(select(1))  # connected before the race starts
    return connections


async def _entities(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        found = await conn.scalars(select(audit_event.c.entity).order_by(audit_event.c.entity))
        return list(found)


async def test_reads_finishing_together_are_one_statement_after_the_first(
    engine: AsyncEngine,
) -> None:
    group = AuditGroup()
    connections = await _connections(engine, 4)
    try:
        await asyncio.gather(
            *(group.write(conn, _rows(f"Task/{n}")) for n, conn in enumerate(connections))
        )
    finally:
        for conn in connections:
            await conn.close()

    assert await _entities(engine) == ["Task/0", "Task/1", "Task/2", "Task/3"]
    assert group.statements == 2  # the first alone, then the three that queued meanwhile


async def test_a_failed_group_fails_every_read_in_it_and_writes_none_of_them(
    engine: AsyncEngine,
) -> None:
    group = AuditGroup()
    connections = await _connections(engine, 3)
    rows = [_rows("Task/first"), _rows("Task/bad", action="X"), _rows("Task/queued")]
    try:
        outcomes = await asyncio.gather(
            *(group.write(conn, r) for conn, r in zip(connections, rows, strict=True)),
            return_exceptions=True,
        )
    finally:
        for conn in connections:
            await conn.close()

    assert outcomes[0] is None
    assert all(isinstance(o, IntegrityError) for o in outcomes[1:]), outcomes
    assert await _entities(engine) == ["Task/first"]
    # The group is free again: the next read is written at once.
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await group.write(conn, _rows("Task/after"))
        count = await conn.scalar(select(func.count()).select_from(audit_event))
    assert count == 2


async def test_only_autocommit_connections_use_the_group(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert not is_autocommit(conn)
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        assert is_autocommit(conn)
        assert audit_group(conn) is audit_group(conn)
