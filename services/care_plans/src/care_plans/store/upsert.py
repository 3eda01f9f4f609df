"""One way to write a read-model row that may already be there (PostgreSQL upsert)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import Insert, insert


def upsert(
    table: sa.Table,
    key: str,
    values: Mapping[str, Any],
    *,
    where: Any = None,
    also: Mapping[str, Any] | None = None,
) -> Insert:
    """Insert `values`, or update every other column of the row with the same `key`
    (only `where` it holds, when given; `also` sets more columns, from the old row)."""
    statement = insert(table).values(**values)
    changes = {name: statement.excluded[name] for name in values if name != key}
    return statement.on_conflict_do_update(
        index_elements=[table.c[key]], set_={**changes, **(also or {})}, where=where
    )
