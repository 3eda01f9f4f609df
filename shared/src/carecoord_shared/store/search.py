"""FHIR search over the search index: a parsed `SearchQuery` (see `search_query`) as SQL.

Each criterion is an indexed lookup in `search_index`; paging is keyset (the next
link carries the last sort value and row key), so walking the pages sees every
result that existed at the start exactly once even while resources are being added.
Access control is an SQL condition ANDed into every query, includes too, so nothing
is filtered after the fact.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    literal,
    not_,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.fhir.outcome import bad_request
from carecoord_shared.fhir.registry import FhirRegistry, ResourceDefinition, SearchParam
from carecoord_shared.fhir.subsetting import subset_search
from carecoord_shared.security.purpose import break_glass_columns
from carecoord_shared.store.indexing import date_range
from carecoord_shared.store.reads import newest_purpose
from carecoord_shared.store.repository import (
    STORED_COLUMNS,
    AccessRule,
    StoredResource,
    allow_all,
    stored_from_row,
)
from carecoord_shared.store.search_includes import included_by
from carecoord_shared.store.search_order import sorted_by
from carecoord_shared.store.search_query import (
    DEFAULT_COUNT,
    MAX_COUNT,
    Criterion,
    IncludeSpec,
    SearchQuery,
    cursor_position,
    encode_cursor,
    parse_query,
    query_string,
)
from carecoord_shared.store.tables import resource, search_index

__all__ = [
    "DEFAULT_COUNT",
    "MAX_COUNT",
    "Criterion",
    "IncludeSpec",
    "SearchQuery",
    "SearchResult",
    "parse_query",
    "query_string",
    "search",
]

_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")
_INSTANT = literal(timedelta(microseconds=1))
"""`meta.lastUpdated` is an instant: the half-open range [t, t + 1 µs)."""


@dataclass(slots=True)
class SearchResult:
    matches: list[StoredResource]
    included: list[StoredResource]
    total: int | None
    next_cursor: str | None
    purpose: str | None = None
    """With `purpose_user`: the matches' break-glass purpose of use (see `store.reads`)."""


def _date_condition(lo: Any, hi: Any, prefix: str, value: str, where: str) -> ColumnElement[bool]:
    span = date_range(value)
    if span is None:
        raise bad_request(f"'{value[:40]}' is not a FHIR date", (where,), "value")
    plo, phi = span
    conditions: dict[str, ColumnElement[bool]] = {
        "eq": and_(lo >= plo, hi <= phi),
        "ne": not_(and_(lo >= plo, hi <= phi)),
        "gt": hi > phi,
        "lt": lo < plo,
        "ge": hi > plo,
        "le": lo < phi,
        "sa": lo >= phi,
        "eb": hi <= plo,
    }
    return conditions[prefix]


def _split_prefix(value: str) -> tuple[str, str]:
    if value[:2] in _PREFIXES and not value[:2].isdigit():
        return value[:2], value[2:]
    return "eq", value


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _value_condition(param: SearchParam, modifier: str | None, value: str) -> ColumnElement[bool]:
    si = search_index.c
    if param.type == "date":
        prefix, rest = _split_prefix(value)
        return _date_condition(si.lo, si.hi, prefix, rest, param.name)
    if param.type == "string":
        folded = _like_escape(value.casefold())
        if modifier == "exact":
            return si.exact == value
        if modifier == "contains":
            return si.value.like(f"%{folded}%", escape="\\")
        return si.value.like(f"{folded}%", escape="\\")
    if param.type == "reference" and modifier != "identifier":
        if "/" in value:
            return si.value == "/".join(value.rstrip("/").split("/")[-2:])
        targets = param.targets or ("Patient",)
        return si.value.in_([f"{t}/{value}" for t in targets])
    if "|" in value:
        system, code = value.split("|", 1)
        parts = []
        parts.append(si.system.is_(None) if system == "" else si.system == system)
        if code:
            parts.append(si.value == code)
        return and_(*parts)
    return si.value == value


def _criterion_condition(
    definition: ResourceDefinition, criterion: Criterion
) -> ColumnElement[bool]:
    r = resource.c
    if criterion.name == "_id":
        return r.id.in_(criterion.values)
    if criterion.name == "_lastUpdated":
        return or_(
            *(
                _date_condition(
                    r.last_updated, r.last_updated + _INSTANT, *_split_prefix(v), "_lastUpdated"
                )
                for v in criterion.values
            )
        )
    param = definition.param(criterion.name)
    assert param is not None
    modifier = criterion.modifier
    indexed = f"{param.name}:identifier" if modifier == "identifier" else param.name
    base = select(search_index.c.res_pk).where(
        search_index.c.resource_type == definition.type, search_index.c.param == indexed
    )
    if modifier == "missing":
        present = r.pk.in_(base)
        return not_(present) if criterion.values[0] == "true" else present
    matching = r.pk.in_(
        base.where(or_(*(_value_condition(param, modifier, v) for v in criterion.values)))
    )
    return not_(matching) if modifier == "not" else matching


def _base_query(
    definition: ResourceDefinition, query: SearchQuery, access: AccessRule
) -> Select[Any]:
    conditions = [
        resource.c.resource_type == definition.type,
        resource.c.deleted.is_(False),
        access(resource.c.patient_nhs),
    ]
    conditions.extend(_criterion_condition(definition, c) for c in query.criteria)
    return select(*STORED_COLUMNS).where(*conditions)


_PAGES: OrderedDict[tuple[Any, ...], tuple[ResourceDefinition, Select[Any]]] = OrderedDict()
_PAGES_KEPT = 1024


def _cached_page(
    definition: ResourceDefinition, query: SearchQuery, access: AccessRule, *, with_purpose: bool
) -> Select[Any]:
    """The page statement, built once per search asked again (the same criteria, order,
    size and cursor, under the same access condition): building it costs more than
    running it, and SQLAlchemy memoises its compiled form on the object. A worklist
    polled by its users is the same search every time."""
    cursor = tuple(query.cursor) if query.cursor is not None else None
    condition = access(resource.c.patient_nhs)
    key: tuple[Any, ...] = (id(definition), tuple(query.criteria), query.sort, cursor)
    key += (query.count, condition, with_purpose)
    found = _PAGES.get(key)
    if found is not None and found[0] is definition:
        _PAGES.move_to_end(key)
        return found[1]
    page = _page(definition, query, _base_query(definition, query, access), with_purpose)
    _PAGES[key] = (definition, page)
    if len(_PAGES) > _PAGES_KEPT:
        _PAGES.popitem(last=False)
    return page


def _page(
    definition: ResourceDefinition, query: SearchQuery, base: Select[Any], with_purpose: bool
) -> Select[Any]:
    """One page of `base` in the query's order (keyset after the cursor), one row more
    than asked for to tell whether there is a next page; `with_purpose`: the break-glass
    columns (`store.reads`)."""
    row_key: ColumnElement[Any] = resource.c.pk
    if query.sort is None:
        sort_expr: ColumnElement[Any] = resource.c.pk
        descending = False
    else:
        base, sort_expr, row_key = sorted_by(definition, query.sort[0], base)
        descending = query.sort[1]
    page = base.add_columns(sort_expr.label("sort_value"))
    if query.cursor is not None:
        value, pk = cursor_position(definition, query, query.cursor)
        key = tuple_(sort_expr, row_key)
        page = page.where(key < tuple_(value, pk) if descending else key > tuple_(value, pk))
    order = (sort_expr.desc(), row_key.desc()) if descending else (sort_expr, row_key)
    if with_purpose:  # PostgreSQL evaluates them after the sort, for the page's rows
        page = page.add_columns(*break_glass_columns(resource.c.patient_nhs))
    return page.order_by(*order).limit(query.count + 1)


async def search(
    conn: AsyncConnection,
    registry: FhirRegistry,
    definition: ResourceDefinition,
    query: SearchQuery,
    access: AccessRule = allow_all,
    include_access: AccessRule | None = None,
    *,
    purpose_user: str | None = None,
) -> SearchResult:
    total = None
    if query.summary_count or query.total:
        counted = _base_query(definition, query, access).subquery()
        total = (await conn.execute(select(func.count()).select_from(counted))).scalar_one()
        if query.summary_count:
            return SearchResult([], [], total, None)
    page = _cached_page(definition, query, access, with_purpose=purpose_user is not None)
    bound = {} if purpose_user is None else {"purpose_user": purpose_user}
    rows = (await conn.execute(page, bound)).all()
    next_cursor = None
    if len(rows) > query.count:
        rows = rows[: query.count]
        last = rows[-1]
        next_cursor = encode_cursor(last.sort_value, last.pk) if rows else None
    matches = [stored_from_row(row) for row in rows]
    included = await included_by(conn, registry, query, matches, include_access or access)
    if query.subset is not None:
        matches, included = subset_search(query.subset, matches, included)
    return SearchResult(matches, included, total, next_cursor, newest_purpose(rows))
