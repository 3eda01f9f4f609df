"""The store's writes as single statements: one round trip per write, or per run of creates.

A new version touches three tables (`resource`, `resource_version`, `search_index`);
sent as three or four statements each write paid as many round trips and as many
SQLAlchemy statement builds. Here each write is one statement of data-modifying CTEs
over arrays (`unnest`), prepared once per connection by asyncpg: a create of one
resource or of a hundred is one round trip, as is an update or a delete. Every CTE
sees the same snapshot, so the update's DELETE of the old index rows never sees the
rows its INSERT adds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.store.indexing import IndexRow

__all__ = ["NewResource", "insert_resources", "replace_version"]

_CREATE = sa.text(
    """
WITH given AS (
    SELECT * FROM unnest(
        CAST(:types AS text[]), CAST(:ids AS text[]), CAST(:contents AS bytea[]),
        CAST(:patients AS text[])
    ) WITH ORDINALITY AS g(resource_type, id, content, patient_nhs, n)
), made AS (
    INSERT INTO resource (resource_type, id, version_id, last_updated, deleted, content,
                          patient_nhs)
    SELECT resource_type, id, 1, :now, false, content, patient_nhs FROM given ORDER BY n
    RETURNING pk, resource_type, id
), versions AS (
    INSERT INTO resource_version (resource_type, id, version_id, last_updated, deleted,
                                  method, content, patient_nhs)
    SELECT resource_type, id, 1, :now, false, 'create', content, patient_nhs FROM given
), indexed AS (
    INSERT INTO search_index (res_pk, resource_type, param, system, value, exact, lo, hi)
    SELECT made.pk, made.resource_type, x.param, x.system, x.value, x.exact, x.lo, x.hi
    FROM unnest(
        CAST(:ix_of AS bigint[]), CAST(:ix_param AS text[]), CAST(:ix_system AS text[]),
        CAST(:ix_value AS text[]), CAST(:ix_exact AS text[]), CAST(:ix_lo AS timestamptz[]),
        CAST(:ix_hi AS timestamptz[])
    ) AS x(n, param, system, value, exact, lo, hi)
    JOIN given ON given.n = x.n
    JOIN made ON made.resource_type = given.resource_type AND made.id = given.id
)
SELECT made.pk, made.id FROM made
"""
)

_REPLACE = sa.text(
    """
WITH changed AS (
    UPDATE resource SET version_id = :version, last_updated = :now, deleted = :deleted,
        content = :content, patient_nhs = :patient
    WHERE pk = :pk
), versions AS (
    INSERT INTO resource_version (resource_type, id, version_id, last_updated, deleted,
                                  method, content, patient_nhs)
    VALUES (:type, :id, :version, :now, :deleted, :method, :content, :patient)
), forgotten AS (
    DELETE FROM search_index WHERE res_pk = :pk
)
INSERT INTO search_index (res_pk, resource_type, param, system, value, exact, lo, hi)
SELECT :pk, :type, param, system, value, exact, lo, hi
FROM unnest(
    CAST(:ix_param AS text[]), CAST(:ix_system AS text[]), CAST(:ix_value AS text[]),
    CAST(:ix_exact AS text[]), CAST(:ix_lo AS timestamptz[]), CAST(:ix_hi AS timestamptz[])
) AS x(param, system, value, exact, lo, hi)
"""
)


@dataclass(frozen=True, slots=True)
class NewResource:
    """A version of a resource, ready to store: its canonical bytes and index rows."""

    resource_type: str
    id: str
    content: bytes | None  # None: the version that deletes it
    patient_nhs: str | None
    index: Sequence[IndexRow] = ()


def _index_arrays(rows: Sequence[IndexRow]) -> dict[str, list[object]]:
    return {
        "ix_param": [r.param for r in rows],
        "ix_system": [r.system for r in rows],
        "ix_value": [r.value for r in rows],
        "ix_exact": [r.exact for r in rows],
        "ix_lo": [r.lo for r in rows],
        "ix_hi": [r.hi for r in rows],
    }


async def insert_resources(
    conn: AsyncConnection, resources: Sequence[NewResource], now: datetime
) -> list[int]:
    """Store version 1 of each resource (rows, versions, index) in one statement; the
    new primary keys in the order given."""
    index = [(n, row) for n, new in enumerate(resources, 1) for row in new.index]
    params = {
        "types": [r.resource_type for r in resources],
        "ids": [r.id for r in resources],
        "contents": [r.content for r in resources],
        "patients": [r.patient_nhs for r in resources],
        "now": now,
        "ix_of": [n for n, _ in index],
        **_index_arrays([row for _, row in index]),
    }
    made = {row.id: row.pk for row in await conn.execute(_CREATE, params)}
    return [made[r.id] for r in resources]


async def replace_version(
    conn: AsyncConnection,
    pk: int,
    new: NewResource,
    version: int,
    now: datetime,
    *,
    method: str,
) -> None:
    """Make `new` (content None: deleted) version `version` of the resource at `pk`:
    its row, a version row and its index rows (none when deleted), one statement."""
    await conn.execute(
        _REPLACE,
        {
            "pk": pk,
            "type": new.resource_type,
            "id": new.id,
            "version": version,
            "now": now,
            "deleted": new.content is None,
            "method": method,
            "content": new.content,
            "patient": new.patient_nhs,
            **_index_arrays(new.index),
        },
    )
