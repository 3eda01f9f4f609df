"""What `_include` and `_revinclude` add to a search's matches.

Each included resource is read under an access rule (the caller's relationship, as
for a read of its own), in at most one statement per include, and never more than
`MAX_INCLUDED` of them.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.store.repository import _COLUMNS, AccessRule, StoredResource, stored_from_row
from carecoord_shared.store.search_query import IncludeSpec, SearchQuery
from carecoord_shared.store.tables import resource, search_index

__all__ = ["MAX_INCLUDED", "included_by"]

MAX_INCLUDED = 500


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
    found: dict[int, StoredResource] = {}
    for spec in query.includes:
        found.update(await _referenced(conn, spec, [m.pk for m in matches], access))
    for spec in query.revincludes:
        if registry.get(spec.source_type) is not None:
            found.update(await _referring(conn, spec, matches, access))
    matched = {m.pk for m in matches}
    return [r for pk, r in found.items() if pk not in matched]


def _visible(access: AccessRule) -> tuple[ColumnElement[bool], ...]:
    return (resource.c.deleted.is_(False), access(resource.c.patient_nhs))


async def _referenced(
    conn: AsyncConnection, spec: IncludeSpec, pks: list[int], access: AccessRule
) -> dict[int, StoredResource]:
    """`_include`: the resources the matches' `spec.param` references point at."""
    references = (
        await conn.execute(
            select(search_index.c.value).where(
                search_index.c.res_pk.in_(pks), search_index.c.param == spec.param
            )
        )
    ).scalars()
    pairs = [tuple(ref.split("/")[-2:]) for ref in references if ref and "/" in ref]
    if spec.target_type:
        pairs = [p for p in pairs if p[0] == spec.target_type]
    if not pairs:
        return {}
    rows = await conn.execute(
        select(*_COLUMNS)
        .where(tuple_(resource.c.resource_type, resource.c.id).in_(pairs), *_visible(access))
        .limit(MAX_INCLUDED)
    )
    return {row.pk: stored_from_row(row) for row in rows}


async def _referring(
    conn: AsyncConnection, spec: IncludeSpec, matches: list[StoredResource], access: AccessRule
) -> dict[int, StoredResource]:
    """`_revinclude`: the `spec.source_type` resources whose `spec.param` points at a match."""
    pointing = select(search_index.c.res_pk).where(
        search_index.c.resource_type == spec.source_type,
        search_index.c.param == spec.param,
        search_index.c.value.in_([m.reference for m in matches]),
    )
    rows = await conn.execute(
        select(*_COLUMNS)
        .where(
            resource.c.resource_type == spec.source_type,
            resource.c.pk.in_(pointing),
            *_visible(access),
        )
        .limit(MAX_INCLUDED)
    )
    return {row.pk: stored_from_row(row) for row in rows}
