"""The tables the code declares are the tables the migrations build.

Each service declares its tables once for its queries (`store/tables.py` and the
like) and builds them with Alembic revisions, which are history and never import the
live declarations. The two are held together here: on a fresh database migrated to the
newest revision, Alembic's own comparison finds no column, type, nullability, index or
constraint of the declared tables missing or different (kernel tables included), so a
table changed without a migration, or a migration without its table, fails.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData

from carecoord_devstack.testing import create_fresh_database
from carecoord_shared.db import create_engine, kernel_metadata, migrate_async

DECLARED: dict[str, tuple[str, ...]] = {
    "referrals": ("referrals.store.tables:metadata",),
    "care_plans": ("care_plans.store.tables:metadata",),
    "mdt": ("mdt.store.tables:metadata",),
    "portal": (
        "portal.store.subscription_tables:metadata",
        "portal.web.sessions:web_metadata",
        "portal.store.front_door:patient_care",
        "portal.store.front_door:patient_episode",
    ),
}
"""Each service's declared tables: a MetaData, or a Table declared on a MetaData of its own."""


def _metadata(reference: str) -> MetaData:
    module, name = reference.split(":")
    found: Any = getattr(importlib.import_module(module), name)
    return found if isinstance(found, MetaData) else found.metadata


def _differences(connection: Connection, declared: MetaData) -> list[Any]:
    """What Alembic would change to make the database match `declared` (its tables only)."""

    def ours(name: str | None, kind: str, _parent: object) -> bool:
        return kind != "table" or name in declared.tables

    context = MigrationContext.configure(connection, opts={"include_name": ours})
    return list(compare_metadata(context, declared))


@pytest.mark.parametrize("service", sorted(DECLARED))
async def test_the_migrated_database_has_exactly_the_declared_tables(
    service: str, infrastructure: None
) -> None:
    url = await create_fresh_database(service)
    await migrate_async(url, importlib.import_module(f"{service}.definition").SERVICE.migrations)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            for declared in [kernel_metadata, *map(_metadata, DECLARED[service])]:
                assert await conn.run_sync(_differences, declared) == [], sorted(declared.tables)
    finally:
        await engine.dispose()
