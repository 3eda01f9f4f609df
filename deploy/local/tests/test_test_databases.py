"""Test databases do not pile up: a session drops the ones it made."""

from __future__ import annotations

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from carecoord_devstack.testing import admin_url, create_fresh_database, drop_fresh_databases


async def _exists(name: str) -> bool:
    engine = create_async_engine(admin_url())
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text("select count(*) from pg_database where datname = :name"), {"name": name}
            )
    finally:
        await engine.dispose()
    return bool(found)


async def test_a_session_drops_the_databases_it_created(infrastructure: None) -> None:
    url = await create_fresh_database("dropme")
    name = make_url(url).database
    assert name is not None
    assert name.startswith("t_dropme_")
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        assert await conn.scalar(text("select 1")) == 1
    await engine.dispose()
    assert await _exists(name)
    drop_fresh_databases()
    assert not await _exists(name)
