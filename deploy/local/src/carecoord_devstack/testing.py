"""Test support shared by every test tier: fresh databases on the real PostgreSQL.

Tests never share rows: each that needs a database gets a new, empty one with a
unique name on the project's own PostgreSQL (or on `CARECOORD_TEST_DATABASE_URL`'s
server, for runs against servers started elsewhere).
"""

from __future__ import annotations

import os
import uuid

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from carecoord_devstack.postgres import postgres_url


def admin_url() -> str:
    return os.environ.get("CARECOORD_TEST_DATABASE_URL") or postgres_url("postgres")


async def create_fresh_database(prefix: str) -> str:
    """Create an empty database with a unique name and return its asyncpg URL."""
    admin = admin_url()
    name = f"t_{prefix}_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'create database "{name}"'))
    finally:
        await engine.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)
