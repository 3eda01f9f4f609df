"""A read by id as one statement: the resource, the caller's relationship, the purpose.

The busiest request of every service is a read by id. It is answered by one SELECT:
the current version, filtered by the caller's access rule (relationship, ownership) in
the WHERE clause, and for staff the reason of a running break-glass of theirs for the
resource's patient, which the read's AuditEvent records as its purpose of use. Each
statement object is built once per access condition, because SQLAlchemy memoises its
compiled form on the object (building it again costs more than running it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.security.purpose import break_glass_columns, break_glass_purpose
from carecoord_shared.store.repository import (
    STORED_COLUMNS,
    AccessRule,
    StoredResource,
    stored_from_row,
)
from carecoord_shared.store.tables import resource

__all__ = ["find_visible", "newest_purpose"]


async def find_visible(
    conn: AsyncConnection,
    resource_type: str,
    resource_id: str,
    access: AccessRule,
    *,
    purpose_user: str | None = None,
    for_update: bool = False,
) -> tuple[StoredResource | None, str | None]:
    """The resource if `access` lets the caller see it, and (with `purpose_user`) the
    purpose of use of a running break-glass of that user for its patient."""
    statement = _statement(access(resource.c.patient_nhs), purpose_user is not None, for_update)
    parameters = {"find_type": resource_type, "find_id": resource_id}
    if purpose_user is not None:
        parameters["purpose_user"] = purpose_user
    row = (await conn.execute(statement, parameters)).first()
    if row is None:
        return None, None
    return stored_from_row(row), newest_purpose([row])


def newest_purpose(rows: Sequence[Any]) -> str | None:
    """The purpose of use of the newest running break-glass among `rows` (read with
    `break_glass_columns`), None if none."""
    newest: tuple[datetime, str] | None = None
    for row in rows:
        at = getattr(row, "purpose_recorded_at", None)
        if at is not None and (newest is None or at > newest[0]):
            newest = (at, row.purpose_reason)
    return break_glass_purpose(newest[1] if newest else None)


@lru_cache(maxsize=4096)
def _statement(
    condition: ColumnElement[bool], with_purpose: bool, for_update: bool
) -> sa.Select[Any]:
    columns: list[ColumnElement[Any]] = [*STORED_COLUMNS]
    if with_purpose:
        columns.extend(break_glass_columns(resource.c.patient_nhs))
    query = sa.select(*columns).where(
        resource.c.resource_type == sa.bindparam("find_type"),
        resource.c.id == sa.bindparam("find_id"),
        condition,
    )
    return query.with_for_update(of=resource) if for_update else query
