"""Database plumbing every service shares: engine, readiness, migrations.

Each service owns one PostgreSQL database. The kernel's own tables (resource store,
outbox, inbox, access grants, audit) are migrated by the kernel's alembic branch;
a service adds its own branch beside it, and `migrate` applies both heads under an
advisory lock so that an API process and its worker starting together do not race.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

kernel_metadata = MetaData(naming_convention=NAMING)
"""Tables of the shared mechanisms; each kernel module adds its own."""

_MIGRATIONS = Path(__file__).parent / "migrations"


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_recycle=1800,
    )


async def database_ready(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("select 1"))
    except Exception:  # readiness reports any failure as not ready
        return False
    return True


async def wait_for_database(engine: AsyncEngine, timeout_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await database_ready(engine):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the database did not become reachable in time")
        await asyncio.sleep(0.5)


def _alembic_config(url: str, service_versions: Path | None) -> Config:
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
    """Bring the database to the newest kernel and service schema (blocking)."""
    with _ALEMBIC_IN_PROCESS:
        command.upgrade(_alembic_config(url, service_versions), "heads")


async def migrate_async(url: str, service_versions: Path | None = None) -> None:
    await asyncio.to_thread(migrate, url, service_versions)
