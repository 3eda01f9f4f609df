"""One way to write read-model rows that may already be there (PostgreSQL upsert).

The statement is built once (at import) with a bind parameter per column, and
executed with each call's values (a list of rows is one pipelined round trip):
building an `ON CONFLICT` statement costs more than running it.

A projection of another service's resources (a row per resource, as its events
announced it) is kept with `newest_wins`: events can come again, or out of order
after a producer's crash, and an older version must never overwrite a newer one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import Insert, insert

__all__ = ["newest_wins", "projection", "upsert"]

Row = Any
"""The row offered (`excluded`), to build conditions and values from."""


def upsert(
    table: sa.Table,
    key: str | Sequence[str],
    columns: Sequence[str],
    *,
    where: Callable[[Row], Any] | None = None,
    also: Callable[[Row], Mapping[str, Any]] | None = None,
) -> Insert:
    """Insert a row of `columns` (bind parameters named after them), or update every
    other column of the row with the same `key` (a column, or several: only `where(new)`
    holds of the row offered, when given; `also(new)` sets more columns, from the old
    row and the new)."""
    keys = (key,) if isinstance(key, str) else tuple(key)
    statement = insert(table).values({c: sa.bindparam(c, type_=table.c[c].type) for c in columns})
    new = statement.excluded
    changes = {name: new[name] for name in columns if name not in keys}
    return statement.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys],
        set_={**changes, **(also(new) if also else {})},
        where=None if where is None else where(new),
    )


def projection(
    name: str,
    metadata: sa.MetaData,
    key: str,
    *items: Any,
    patient_nullable: bool = False,
) -> sa.Table:
    """A projection of another service's resources: `key` (the resource, primary key),
    the patient's `nhs_number` (indexed), the `version_id` its events announced, the
    table's own `items`, and `updated_at` (when the resource changed)."""
    return sa.Table(
        name,
        metadata,
        sa.Column(key, sa.Text, primary_key=True),
        sa.Column("nhs_number", sa.Text, nullable=patient_nullable, index=True),
        sa.Column("version_id", sa.Integer, nullable=False),
        *items,
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def newest_wins(table: sa.Table, key: str, columns: Sequence[str]) -> Insert:
    """`upsert` of a `projection`'s rows: a version older than the one kept is ignored."""
    return upsert(table, key, columns, where=lambda new: table.c.version_id < new.version_id)
