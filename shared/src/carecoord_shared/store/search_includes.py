"""What `_include` and `_revinclude` add to a search's matches.

Each included resource is read under an access rule (the caller's relationship, as
for a read of its own), in one statement per include (the references and the
resources they reach together), and never more than `MAX_INCLUDED` of them. The
statements take their values as array parameters, so each is built (and compiled by
SQLAlchemy) once per access condition, not once per request (see `store.reads`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.store.repository import _COLUMNS, AccessRule, StoredResource, stored_from_row
from carecoord_shared.store.search_query import IncludeSpec, SearchQuery
from carecoord_shared.store.tables import resource, search_index

__all__ = ["MAX_INCLUDED", "included_by"]

MAX_INCLUDED = 500

_TARGET_TYPE = sa.func.substring(search_index.c.value, r"([^/]+)/[^/]+$")
_TARGET_ID = sa.func.substring(search_index.c.value, r"[^/]+$")
"""A reference's last two segments: `Type/id` of a relative or an absolute reference
(as `value.split("/")[-2:]`); a value with no `/` gives no type and reaches nothing."""


async def included_by(
    conn: AsyncConnection,
    registry: FhirRegistry,
    query: SearchQuery,
    matches: list[StoredResource],
    access: AccessRule,
) -> list[StoredResource]:
    """What `_include` and `_revinclude` add to the matches (each under `access`)."""
    if not matches or not (query.includes or query.revincludes):
        return []
    condition = access(resource.c.patient_nhs)
    found: dict[int, StoredResource] = {}
    for spec in query.includes:
        found.update(await _referenced(conn, spec, [m.pk for m in matches], condition))
    for spec in query.revincludes:
        if registry.get(spec.source_type) is not None:
            found.update(await _referring(conn, spec, [m.reference for m in matches], condition))
    matched = {m.pk for m in matches}
    return [r for pk, r in found.items() if pk not in matched]


async def _rows(
    conn: AsyncConnection, statement: sa.Select[Any], **values: object
) -> dict[int, StoredResource]:
    return {row.pk: stored_from_row(row) for row in await conn.execute(statement, values)}


async def _referenced(
    conn: AsyncConnection, spec: IncludeSpec, pks: list[int], condition: ColumnElement[bool]
) -> dict[int, StoredResource]:
    """`_include`: the resources the matches' `spec.param` references point at."""
    statement = _referenced_statement(condition, spec.target_type is not None)
    values: dict[str, object] = {"pks": pks, "param": spec.param}
    if spec.target_type:
        values["target_type"] = spec.target_type
    return await _rows(conn, statement, **values)


async def _referring(
    conn: AsyncConnection, spec: IncludeSpec, references: list[str], condition: ColumnElement[bool]
) -> dict[int, StoredResource]:
    """`_revinclude`: the `spec.source_type` resources whose `spec.param` points at a match."""
    statement = _referring_statement(condition)
    return await _rows(
        conn, statement, source_type=spec.source_type, param=spec.param, references=references
    )


def _visible(condition: ColumnElement[bool]) -> tuple[ColumnElement[bool], ...]:
    return (resource.c.deleted.is_(False), condition)


@lru_cache(maxsize=4096)
def _referenced_statement(condition: ColumnElement[bool], typed: bool) -> sa.Select[Any]:
    references = sa.select(_TARGET_TYPE, _TARGET_ID).where(
        search_index.c.res_pk == sa.any_(sa.bindparam("pks", type_=ARRAY(sa.BigInteger))),
        search_index.c.param == sa.bindparam("param"),
    )
    where: list[ColumnElement[bool]] = [
        sa.tuple_(resource.c.resource_type, resource.c.id).in_(references)
    ]
    if typed:
        where.append(resource.c.resource_type == sa.bindparam("target_type"))
    return sa.select(*_COLUMNS).where(*where, *_visible(condition)).limit(MAX_INCLUDED)


@lru_cache(maxsize=4096)
def _referring_statement(condition: ColumnElement[bool]) -> sa.Select[Any]:
    source_type: sa.BindParameter[str] = sa.bindparam("source_type")
    pointing = sa.select(search_index.c.res_pk).where(
        search_index.c.resource_type == source_type,
        search_index.c.param == sa.bindparam("param"),
        search_index.c.value == sa.any_(sa.bindparam("references", type_=ARRAY(sa.Text))),
    )
    return (
        sa.select(*_COLUMNS)
        .where(
            resource.c.resource_type == source_type,
            resource.c.pk.in_(pointing),
            *_visible(condition),
        )
        .limit(MAX_INCLUDED)
    )
