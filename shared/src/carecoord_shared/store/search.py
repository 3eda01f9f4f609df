"""FHIR search over the search index: parsing, SQL, keyset paging, includes.

Parameters are those a resource type declares plus `_id` and `_lastUpdated`; the
result controls are `_count` (capped at 100), `_sort` (one key), `_summary=count`,
`_total=accurate`, `_include` and `_revinclude` on declared references. Paging is
keyset (the next link carries the last sort value and row key), so walking the pages
sees every result that existed at the start exactly once even while resources are
being added. Access control is an SQL condition ANDed into every query, includes
too, so nothing is filtered after the fact.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import orjson
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

from carecoord_shared.fhir.outcome import Issue, bad_request
from carecoord_shared.fhir.parsing import whole_number
from carecoord_shared.fhir.registry import FhirRegistry, ResourceDefinition, SearchParam
from carecoord_shared.store.indexing import date_range
from carecoord_shared.store.repository import (
    _COLUMNS,
    AccessRule,
    StoredResource,
    allow_all,
    stored_from_row,
)
from carecoord_shared.store.tables import resource, search_index

MAX_COUNT = 100
DEFAULT_COUNT = 20
MAX_INCLUDED = 500
RESULT_CONTROLS = {
    "_count",
    "_sort",
    "_include",
    "_revinclude",
    "_summary",
    "_total",
    "_cursor",
    "_format",
}
_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")
_MODIFIERS: dict[str, frozenset[str]] = {
    "token": frozenset({"missing", "not"}),
    "reference": frozenset({"missing", "identifier"}),
    "date": frozenset({"missing"}),
    "string": frozenset({"missing", "exact", "contains"}),
}

_FLOOR = datetime.min.replace(tzinfo=UTC)
_INSTANT = literal(timedelta(microseconds=1))
"""`meta.lastUpdated` is an instant: the half-open range [t, t + 1 µs)."""


@dataclass(frozen=True, slots=True)
class Criterion:
    name: str
    modifier: str | None
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IncludeSpec:
    source_type: str
    param: str
    target_type: str | None


@dataclass(slots=True)
class SearchQuery:
    resource_type: str
    criteria: list[Criterion] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    sort: tuple[str, bool] | None = None
    includes: list[IncludeSpec] = field(default_factory=list)
    revincludes: list[IncludeSpec] = field(default_factory=list)
    summary_count: bool = False
    total: bool = False
    cursor: list[Any] | None = None
    link_params: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class SearchResult:
    matches: list[StoredResource]
    included: list[StoredResource]
    total: int | None
    next_cursor: str | None


def _include_spec(registry: FhirRegistry, text: str, source_must_be: str | None) -> IncludeSpec:
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise bad_request(f"Malformed include '{text[:80]}'", ("_include",), "value")
    source, name = parts[0], parts[1]
    definition = registry.get(source)
    param = definition.param(name) if definition else None
    if param is None or param.type != "reference" or (source_must_be and source != source_must_be):
        raise bad_request(
            f"'{text[:80]}' is not a supported include", ("_include",), "not-supported"
        )
    target = parts[2] if len(parts) == 3 else None
    return IncludeSpec(source, name, target)


def parse_query(
    registry: FhirRegistry,
    definition: ResourceDefinition,
    items: Sequence[tuple[str, str]],
    *,
    strict: bool,
) -> tuple[SearchQuery, list[Issue]]:
    query = SearchQuery(definition.type)
    ignored: list[Issue] = []
    for key, raw in items:
        name, _, modifier = key.partition(":")
        if key not in ("_cursor",):
            query.link_params.append((key, raw))
        if name == "_count":
            query.count = min(whole_number(raw, "_count"), MAX_COUNT)
            query.summary_count = query.summary_count or query.count == 0
        elif name == "_sort":
            first = raw.split(",")[0]
            descending = first.startswith("-")
            sort_name = first.lstrip("-")
            if sort_name not in ("_id", "_lastUpdated") and definition.param(sort_name) is None:
                raise bad_request(f"Cannot sort by '{sort_name[:40]}'", ("_sort",), "not-supported")
            query.sort = (sort_name, descending)
        elif name == "_include":
            query.includes.append(_include_spec(registry, raw, definition.type))
        elif name == "_revinclude":
            query.revincludes.append(_include_spec(registry, raw, None))
        elif name == "_summary":
            if raw != "count":
                raise bad_request(
                    "Only _summary=count is supported", ("_summary",), "not-supported"
                )
            query.summary_count = True
        elif name == "_total":
            query.total = raw == "accurate"
        elif name == "_cursor":
            query.cursor = _decode_cursor(raw)
        elif name == "_format":
            continue
        elif name in ("_id", "_lastUpdated") or definition.param(name) is not None:
            _check_modifier(definition, name, modifier, key)
            query.criteria.append(Criterion(name, modifier or None, tuple(raw.split(","))))
        else:
            text = f"Unknown search parameter '{key[:60]}' for {definition.type}"
            if strict:
                raise bad_request(text, (key[:60],), "not-supported")
            query.link_params.pop()
            ignored.append(Issue("not-supported", text + " was ignored", severity="warning"))
    return query, ignored


def _check_modifier(definition: ResourceDefinition, name: str, modifier: str, key: str) -> None:
    if not modifier:
        return
    param = definition.param(name)
    kind = param.type if param else ("token" if name == "_id" else "date")
    if modifier not in _MODIFIERS[kind]:
        raise bad_request(
            f"The modifier in '{key[:60]}' is not supported", (key[:60],), "not-supported"
        )


def query_string(query: SearchQuery) -> str:
    """The search as the caller asked it (without the paging cursor), for links and audit."""
    return urlencode(query.link_params)


def _decode_cursor(raw: str) -> list[Any]:
    try:
        value = orjson.loads(base64.urlsafe_b64decode(raw.encode() + b"=="))
    except (ValueError, orjson.JSONDecodeError):
        raise bad_request("The paging cursor is not valid", ("_cursor",), "value") from None
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], int):
        raise bad_request("The paging cursor is not valid", ("_cursor",), "value")
    return value


def _cursor_position(
    definition: ResourceDefinition, query: SearchQuery, cursor: list[Any]
) -> tuple[Any, int]:
    """The cursor's (sort value, row key), checked against the active sort (else 400)."""
    value, pk = cursor
    sort = query.sort[0] if query.sort else None
    param = definition.param(sort) if sort else None
    try:
        if sort is None:
            if not isinstance(value, int):
                raise ValueError
        elif sort == "_lastUpdated" or (param is not None and param.type == "date"):
            value = datetime.fromisoformat(value)
        elif not isinstance(value, str):
            raise ValueError
    except (TypeError, ValueError):
        raise bad_request(
            "The paging cursor does not belong to this search", ("_cursor",), "value"
        ) from None
    return value, pk


def _encode_cursor(sort_value: Any, pk: int) -> str:
    if isinstance(sort_value, datetime):
        sort_value = sort_value.isoformat()
    return base64.urlsafe_b64encode(orjson.dumps([sort_value, pk])).decode().rstrip("=")


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


def _sort_expression(definition: ResourceDefinition, name: str) -> ColumnElement[Any]:
    if name == "_lastUpdated":
        return resource.c.last_updated
    if name == "_id":
        return resource.c.id
    param = definition.param(name)
    assert param is not None
    column = search_index.c.lo if param.type == "date" else search_index.c.value
    floor = literal(_FLOOR) if param.type == "date" else literal("")
    inner = (
        select(func.min(column))
        .where(search_index.c.res_pk == resource.c.pk, search_index.c.param == name)
        .scalar_subquery()
    )
    return func.coalesce(inner, floor)


def _base_query(
    definition: ResourceDefinition, query: SearchQuery, access: AccessRule
) -> Select[Any]:
    conditions = [
        resource.c.resource_type == definition.type,
        resource.c.deleted.is_(False),
        access(resource.c.patient_nhs),
    ]
    conditions.extend(_criterion_condition(definition, c) for c in query.criteria)
    return select(*_COLUMNS).where(*conditions)


async def search(
    conn: AsyncConnection,
    registry: FhirRegistry,
    definition: ResourceDefinition,
    query: SearchQuery,
    access: AccessRule = allow_all,
) -> SearchResult:
    base = _base_query(definition, query, access)
    total = None
    if query.summary_count or query.total:
        total = (await conn.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
        if query.summary_count:
            return SearchResult([], [], total, None)
    if query.sort is None:
        sort_expr: ColumnElement[Any] = resource.c.pk
        descending = False
    else:
        sort_expr, descending = _sort_expression(definition, query.sort[0]), query.sort[1]
    page = base.add_columns(sort_expr.label("sort_value"))
    if query.cursor is not None:
        value, pk = _cursor_position(definition, query, query.cursor)
        key = tuple_(sort_expr, resource.c.pk)
        page = page.where(key < tuple_(value, pk) if descending else key > tuple_(value, pk))
    order = (sort_expr.desc(), resource.c.pk.desc()) if descending else (sort_expr, resource.c.pk)
    rows = (await conn.execute(page.order_by(*order).limit(query.count + 1))).all()
    next_cursor = None
    if len(rows) > query.count:
        rows = rows[: query.count]
        last = rows[-1]
        next_cursor = _encode_cursor(last.sort_value, last.pk) if rows else None
    matches = [stored_from_row(row) for row in rows]
    included = await _included(conn, registry, query, matches, access)
    return SearchResult(matches, included, total, next_cursor)


async def _included(
    conn: AsyncConnection,
    registry: FhirRegistry,
    query: SearchQuery,
    matches: list[StoredResource],
    access: AccessRule,
) -> list[StoredResource]:
    if not matches or not (query.includes or query.revincludes):
        return []
    found: dict[int, StoredResource] = {}
    pks = [m.pk for m in matches]
    for spec in query.includes:
        references = (
            (
                await conn.execute(
                    select(search_index.c.value).where(
                        search_index.c.res_pk.in_(pks), search_index.c.param == spec.param
                    )
                )
            )
            .scalars()
            .all()
        )
        pairs = [tuple(ref.split("/")[-2:]) for ref in references if ref and "/" in ref]
        if spec.target_type:
            pairs = [p for p in pairs if p[0] == spec.target_type]
        if not pairs:
            continue
        rows = await conn.execute(
            select(*_COLUMNS)
            .where(
                tuple_(resource.c.resource_type, resource.c.id).in_(pairs),
                resource.c.deleted.is_(False),
                access(resource.c.patient_nhs),
            )
            .limit(MAX_INCLUDED)
        )
        found.update((row.pk, stored_from_row(row)) for row in rows)
    for spec in query.revincludes:
        if registry.get(spec.source_type) is None:
            continue
        references = [m.reference for m in matches]
        rows = await conn.execute(
            select(*_COLUMNS)
            .where(
                resource.c.resource_type == spec.source_type,
                resource.c.deleted.is_(False),
                access(resource.c.patient_nhs),
                resource.c.pk.in_(
                    select(search_index.c.res_pk).where(
                        search_index.c.resource_type == spec.source_type,
                        search_index.c.param == spec.param,
                        search_index.c.value.in_(references),
                    )
                ),
            )
            .limit(MAX_INCLUDED)
        )
        found.update((row.pk, stored_from_row(row)) for row in rows)
    matched = {m.pk for m in matches}
    return [r for pk, r in found.items() if pk not in matched]
