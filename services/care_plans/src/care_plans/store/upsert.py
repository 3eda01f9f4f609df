"""One way to write read-model rows that may already be there (PostgreSQL upsert)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import Insert, insert


def upsert(
    table: sa.Table,
    key: str,
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    where: Callable[[Any], Any] | None = None,
    also: Mapping[str, Any] | None = None,
) -> Insert:
    """Insert `values` (one row, or several in one statement), or update every other
    column of the row with the same `key` (only `where(new)` holds of the row offered,
    when given; `also` sets more columns, from the old row). Several rows must have
    distinct keys: one statement changes a row once."""
    rows = [values] if isinstance(values, Mapping) else list(values)
    statement = insert(table).values(rows)
    new = statement.excluded
    changes = {name: new[name] for name in rows[0] if name != key}
    return statement.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={**changes, **(also or {})},
        where=None if where is None else where(new),
    )
