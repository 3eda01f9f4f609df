"""The order of a search page: `_sort` as SQL.

A date parameter orders by its stored sort key (one index row per resource, see
`indexing.sort_key_row`), joined rather than worked out as a minimum for every
matching row (a worklist of 500 open requests sorted by due date: 33 ms of database
time became 5 to 10 ms). Other parameters order by their least value, per row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_shared.fhir.registry import FhirRegistry, ResourceDefinition
from carecoord_shared.store.indexing import SORT_FLOOR, SORT_KEY
from carecoord_shared.store.tables import resource, search_index

__all__ = ["fill_sort_keys", "sorted_by"]


def _sort_expression(definition: ResourceDefinition, name: str) -> ColumnElement[Any]:
    if name == "_lastUpdated":
        return resource.c.last_updated
    if name == "_id":
        return resource.c.id
    param = definition.param(name)
    assert param is not None
    inner = (
        select(func.min(search_index.c.value))
        .where(search_index.c.res_pk == resource.c.pk, search_index.c.param == name)
        .scalar_subquery()
    )
    return func.coalesce(inner, literal(""))


def sorted_by(
    definition: ResourceDefinition, name: str, base: Select[Any]
) -> tuple[Select[Any], ColumnElement[Any], ColumnElement[Any]]:
    """`base` ready to be ordered by `name`: the statement, the sort value and the row
    key that breaks ties. A date parameter joins its one stored sort key per resource
    (`indexing.sort_key_row`) and breaks ties on that row's key: an index on
    (type, parameter, value) can then hand the rows over in order, and otherwise each
    matching row costs one index probe rather than an aggregate."""
    param = definition.param(name)
    if param is None or param.type != "date":
        return base, _sort_expression(definition, name), resource.c.pk
    key = search_index.alias("sort_key")
    joined = base.join(
        key,
        and_(
            key.c.res_pk == resource.c.pk,
            key.c.resource_type == definition.type,
            key.c.param == f"{name}{SORT_KEY}",
        ),
    )
    return joined, key.c.lo, key.c.res_pk


_FILL = text(
    """
WITH wanted AS (
    SELECT * FROM unnest(CAST(:types AS text[]), CAST(:params AS text[])) AS w(rtype, param)
), missing AS (
    SELECT w.rtype, w.param FROM wanted w
    WHERE NOT EXISTS (
        SELECT 1 FROM search_sort_ready d WHERE d.resource_type = w.rtype AND d.param = w.param
    )
), filled AS (
    INSERT INTO search_index (res_pk, resource_type, param, lo)
    SELECT r.pk, r.resource_type, m.param || :suffix, coalesce(
        (SELECT min(v.lo) FROM search_index v WHERE v.res_pk = r.pk AND v.param = m.param),
        :floor)
    FROM missing m JOIN resource r ON r.resource_type = m.rtype AND NOT r.deleted
    WHERE NOT EXISTS (
        SELECT 1 FROM search_index k WHERE k.res_pk = r.pk AND k.param = m.param || :suffix
    )
)
INSERT INTO search_sort_ready (resource_type, param) SELECT rtype, param FROM missing
"""
)


async def fill_sort_keys(engine: AsyncEngine, registry: FhirRegistry) -> None:
    """Give every stored resource the sort keys of its type's date parameters, once per
    (type, parameter) ever: what was written before a parameter existed, or before the
    kernel kept sort keys (new versions carry theirs). Replicas starting together take
    turns (an advisory lock), so none adds a key twice."""
    pairs = [
        (definition.type, param.name)
        for definition in registry.all()
        for param in definition.search_params
        if param.type == "date"
    ]
    if not pairs:
        return
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FILL_LOCK})
        await conn.execute(
            _FILL,
            {
                "types": [t for t, _ in pairs],
                "params": [p for _, p in pairs],
                "suffix": SORT_KEY,
                "floor": SORT_FLOOR,
            },
        )


_FILL_LOCK = 0x5E_A2C4_50F7
"""The advisory lock key of `fill_sort_keys` (any constant the kernel uses once)."""
