"""Database plumbing every service shares: engine, readiness, migrations.

Each service owns one PostgreSQL database. The kernel's own tables (resource store,
outbox, inbox, access grants, audit) are migrated by the kernel's alembic branch;
a service adds its own branch beside it, and `migrate` applies both heads under an
advisory lock so that an API process and its worker starting together do not race.
Alembic is imported only by `migrate`: the long-lived processes migrate in a child
(`carecoord_shared.migration_process`) and never load it.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import MetaData, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from carecoord_shared.logging import get_logger

if TYPE_CHECKING:
    from alembic.config import Config

_log = get_logger(__name__)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_OUTAGE_ERRORS = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)

kernel_metadata = MetaData(naming_convention=NAMING)
"""Tables of the shared mechanisms; each kernel module adds its own."""

_MIGRATIONS = Path(__file__).parent / "migrations"


def create_engine(
    url: str, pool_size: int = 10, *, statement_timeout_ms: int | None = None
) -> AsyncEngine:
    """An engine; `statement_timeout_ms` bounds every statement on its connections, so
    one request can never stall the database (PostgreSQL cancels it, the API answers
    503 with Retry-After).

    Up to twice `pool_size` connections, all kept once opened: an overflow connection
    is closed as soon as it is returned, so under steady load beyond `pool_size` every
    request paid for a new PostgreSQL session (thousands a minute in the benchmark)."""
    limits = (
        {} if statement_timeout_ms is None else {"statement_timeout": str(statement_timeout_ms)}
    )
    return create_async_engine(
        url,
        connect_args={"server_settings": limits} if limits else {},
        pool_size=2 * pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        pool_recycle=1800,
    )


def _causes(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(found) < 8:
        found.append(current)
        current = current.__cause__ or getattr(current, "orig", None)
    return found


def is_database_outage(error: BaseException) -> bool:
    """The database (or the way to it) failed, not the statement: refused or lost
    connections, a server shutting down or not accepting connections yet, pool time-outs."""
    for cause in _causes(error):
        if isinstance(cause, OSError | sa_exc.TimeoutError | sa_exc.InterfaceError):
            return True
        if isinstance(cause, sa_exc.DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, _OUTAGE_ERRORS):
            return True
    return False


def is_statement_timeout(error: BaseException) -> bool:
    """PostgreSQL cancelled a statement that ran past `statement_timeout`."""
    return any(isinstance(c, asyncpg.exceptions.QueryCanceledError) for c in _causes(error))


async def database_ready(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("select 1"))
    except Exception:  # readiness reports any failure as not ready
        return False
    return True


async def wait_for_database(engine: AsyncEngine, timeout_s: float | None = None) -> None:
    """Wait (with backoff, saying so in the log) until the database answers; start-up
    with the database down is a wait, not a crash. `timeout_s` None waits for ever."""
    loop = asyncio.get_running_loop()
    deadline = None if timeout_s is None else loop.time() + timeout_s
    attempt = 0
    while not await database_ready(engine):
        attempt += 1
        if deadline is not None and loop.time() > deadline:
            raise TimeoutError("the database did not become reachable in time")
        delay = min(10.0, 0.25 * 2 ** min(attempt, 6))
        if attempt in (1, 5) or attempt % 20 == 0:
            _log.warning("waiting_for_database", attempt=attempt, retry_in_s=delay)
        await asyncio.sleep(delay)


def _alembic_config(url: str, service_versions: Path | None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    locations = [str(_MIGRATIONS / "versions")]
    if service_versions is not None:
        locations.append(str(service_versions))
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["database_url"] = url
    return cfg


_ALEMBIC_IN_PROCESS = threading.Lock()
"""Alembic's `context` is a module-level proxy: one migration at a time per process."""


def migrate(url: str, service_versions: Path | None = None) -> None:
    """Bring the database to the newest kernel and service schema (blocking), in this
    process: alembic stays loaded after it. A service's API and worker migrate through
    `carecoord_shared.migration_process`, which runs this in a child process instead."""
    from alembic import command

    with _ALEMBIC_IN_PROCESS:
        command.upgrade(_alembic_config(url, service_versions), "heads")


async def migrate_async(url: str, service_versions: Path | None = None) -> None:
    """`migrate` in a thread of this process (tests and tools)."""
    await asyncio.to_thread(migrate, url, service_versions)
