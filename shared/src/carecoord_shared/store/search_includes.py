"""What `_include` and `_revinclude` add to a search's matches.

Each included resource is read under an access rule (the caller's relationship, as
for a read of its own), and never more than `MAX_INCLUDED` of them per include. All the
includes of a search are one statement (a branch each: the matches' references and the
resources they reach together). It takes its values as parameters (arrays for the
matches), so it is built (and compiled by SQLAlchemy) once per access condition and
shape of includes, not once per request (see `store.reads`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.store.repository import (
    STORED_COLUMNS,
    AccessRule,
    StoredResource,
    stored_from_row,
)
from carecoord_shared.store.search_query import SearchQuery
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
    """What `_include` and `_revinclude` add to the matches (each under `access`), all
    in one statement."""
    specs = [
        *((spec, True) for spec in query.includes),
        *((spec, False) for spec in query.revincludes if registry.get(spec.source_type)),
    ]
    if not matches or not specs:
        return []
    shapes = tuple((forward, spec.target_type is not None) for spec, forward in specs)
    values: dict[str, object] = {
        "pks": [m.pk for m in matches],
        "references": [m.reference for m in matches],
    }
    for at, (spec, forward) in enumerate(specs):
        values[f"include_param_{at}"] = spec.param
        values[f"include_type_{at}"] = spec.target_type if forward else spec.source_type
    statement = _statement(access(resource.c.patient_nhs), shapes)
    found = {row.pk: stored_from_row(row) for row in await conn.execute(statement, values)}
    matched = {m.pk for m in matches}
    return [r for pk, r in found.items() if pk not in matched]


@lru_cache(maxsize=4096)
def _statement(
    condition: ColumnElement[bool], shapes: tuple[tuple[bool, bool], ...]
) -> sa.Executable:
    """One branch per include, `(forward, typed)`: an `_include` (typed: of one target
    type) or a `_revinclude`, each limited to `MAX_INCLUDED`."""
    branches = [
        (_referenced(condition, at, typed) if forward else _referring(condition, at))
        for at, (forward, typed) in enumerate(shapes)
    ]
    return branches[0] if len(branches) == 1 else sa.union_all(*branches)


def _visible(condition: ColumnElement[bool]) -> tuple[ColumnElement[bool], ...]:
    return (resource.c.deleted.is_(False), condition)


def _referenced(condition: ColumnElement[bool], at: int, typed: bool) -> sa.Select[Any]:
    """`_include`: the resources the matches' `include_param_<at>` references point at."""
    references = sa.select(_TARGET_TYPE, _TARGET_ID).where(
        search_index.c.res_pk == sa.any_(sa.bindparam("pks", type_=ARRAY(sa.BigInteger))),
        search_index.c.param == sa.bindparam(f"include_param_{at}"),
    )
    where: list[ColumnElement[bool]] = [
        sa.tuple_(resource.c.resource_type, resource.c.id).in_(references)
    ]
    if typed:
        where.append(resource.c.resource_type == sa.bindparam(f"include_type_{at}"))
    return sa.select(*STORED_COLUMNS).where(*where, *_visible(condition)).limit(MAX_INCLUDED)


def _referring(condition: ColumnElement[bool], at: int) -> sa.Select[Any]:
    """`_revinclude`: the `include_type_<at>` resources whose `include_param_<at>`
    points at a match."""
    source_type: sa.BindParameter[str] = sa.bindparam(f"include_type_{at}")
    pointing = sa.select(search_index.c.res_pk).where(
        search_index.c.resource_type == source_type,
        search_index.c.param == sa.bindparam(f"include_param_{at}"),
        search_index.c.value == sa.any_(sa.bindparam("references", type_=ARRAY(sa.Text))),
    )
    return (
        sa.select(*STORED_COLUMNS)
        .where(
            resource.c.resource_type == source_type,
            resource.c.pk.in_(pointing),
            *_visible(condition),
        )
        .limit(MAX_INCLUDED)
    )
