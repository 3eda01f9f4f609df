"""One way to write read-model rows that may already be there (PostgreSQL upsert).

The statement is built once (at import) with a bind parameter per column, and
executed with each call's values (a list of rows is one pipelined round trip):
building an `ON CONFLICT` statement costs more than running it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import Insert, insert

Row = Any
"""The row offered (`excluded`), to build conditions and values from."""


def upsert(
    table: sa.Table,
    key: str,
    columns: Sequence[str],
    *,
    where: Callable[[Row], Any] | None = None,
    also: Callable[[Row], Mapping[str, Any]] | None = None,
) -> Insert:
    """Insert a row of `columns` (bind parameters named after them), or update every
    other column of the row with the same `key` (only `where(new)` holds of the row
    offered, when given; `also(new)` sets more columns, from the old row and the new)."""
    statement = insert(table).values({c: sa.bindparam(c, type_=table.c[c].type) for c in columns})
    new = statement.excluded
    changes = {name: new[name] for name in columns if name != key}
    return statement.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={**changes, **(also(new) if also else {})},
        where=None if where is None else where(new),
    )
