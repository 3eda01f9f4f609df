"""Alembic environment for a CareCoord service database (kernel and service branches).

Runs online only, over asyncpg, holding an advisory lock so concurrent starters of
the same service wait for each other instead of racing on DDL.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

_MIGRATION_LOCK = 731_204_001


def _run(connection: Connection) -> None:
    connection.execute(text(f"select pg_advisory_lock({_MIGRATION_LOCK})"))
    try:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    except BaseException:
        # A failed revision aborts the transaction: without the rollback the unlock
        # below fails too ("current transaction is aborted") and hides the real error.
        connection.rollback()
        raise
    finally:
        connection.execute(text(f"select pg_advisory_unlock({_MIGRATION_LOCK})"))
        connection.commit()


async def _main() -> None:
    engine = create_async_engine(context.config.attributes["database_url"])
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run)
    finally:
        await engine.dispose()


asyncio.run(_main())
