"""FHIR search requests: what a search asks for, read from its query parameters.

The parameters are those a resource type declares plus `_id` and `_lastUpdated`,
each with the modifiers its type supports (anything else is refused under
`Prefer: handling=strict`, and otherwise ignored and reported); the result controls
are `_count` (capped at 100), `_sort` (one key), `_summary` (`count`, or a subset of
each resource with `true`, `text` or `data`) or `_elements` (see `fhir.subsetting`),
`_total=accurate`, `_include` and `_revinclude` on declared references, and the paging
cursor, which carries the last sort value and row key of the previous page.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import orjson

from carecoord_shared.fhir.outcome import Issue, bad_request
from carecoord_shared.fhir.parsing import GENERAL_PARAMETERS, whole_number
from carecoord_shared.fhir.registry import FhirRegistry, ResourceDefinition
from carecoord_shared.fhir.subsetting import Subset, parse_subset

MAX_COUNT = 100
DEFAULT_COUNT = 20
_MODIFIERS: dict[str, frozenset[str]] = {
    "token": frozenset({"missing", "not"}),
    "reference": frozenset({"missing", "identifier"}),
    "date": frozenset({"missing"}),
    "string": frozenset({"missing", "exact", "contains"}),
}


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
    subset: Subset | None = None
    total: bool = False
    cursor: list[Any] | None = None
    link_params: list[tuple[str, str]] = field(default_factory=list)


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


def _sort_of(definition: ResourceDefinition, raw: str) -> tuple[str, bool]:
    """The (parameter, descending) of a `_sort` value: its first key (400 unless a
    search parameter of the type, `_id` or `_lastUpdated`)."""
    first = raw.split(",")[0]
    name = first.lstrip("-")
    if name not in ("_id", "_lastUpdated") and definition.param(name) is None:
        raise bad_request(f"Cannot sort by '{name[:40]}'", ("_sort",), "not-supported")
    return name, first.startswith("-")


def parse_query(
    registry: FhirRegistry,
    definition: ResourceDefinition,
    items: Sequence[tuple[str, str]],
    *,
    strict: bool,
) -> tuple[SearchQuery, list[Issue]]:
    query = SearchQuery(definition.type)
    ignored: list[Issue] = []
    subsetting: dict[str, list[str]] = {"_summary": [], "_elements": []}
    _check_bounds(items)
    for key, raw in items:
        name, _, modifier = key.partition(":")
        if key not in ("_cursor",):
            query.link_params.append((key, raw))
        if name == "_count":
            query.count = min(whole_number(raw, "_count"), MAX_COUNT)
            query.summary_count = query.summary_count or query.count == 0
        elif name == "_sort":
            query.sort = _sort_of(definition, raw)
        elif name == "_include":
            query.includes.append(_include_spec(registry, raw, definition.type))
        elif name == "_revinclude":
            query.revincludes.append(_include_spec(registry, raw, None))
        elif name in subsetting:
            subsetting[name].append(raw)
            query.summary_count = query.summary_count or (name, raw) == ("_summary", "count")
        elif name == "_total":
            query.total = raw == "accurate"
        elif name == "_cursor":
            query.cursor = decode_cursor(raw)
        elif name in GENERAL_PARAMETERS:
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
    query.subset, unknown = parse_subset(definition.type, *subsetting.values(), strict=strict)
    if query.subset and query.subset.summary == "text" and (query.includes or query.revincludes):
        raise bad_request("_summary=text cannot be mixed with _include", ("_summary",))
    return query, [*ignored, *unknown]


MAX_PARAMETERS = 30
"""Most parameters one search may carry (criteria, includes and controls together)."""
MAX_REPEATS = 5
"""Most times one parameter may be repeated (each repeat is ANDed: a self-join)."""
MAX_OR_VALUES = 50
"""Most comma-separated values one parameter may offer."""


def _check_bounds(items: Sequence[tuple[str, str]]) -> None:
    """Bounded work per request: a query past these limits is refused before any SQL."""
    if len(items) > MAX_PARAMETERS:
        raise bad_request(
            f"A search may have at most {MAX_PARAMETERS} parameters", (), "too-costly"
        )
    seen: dict[str, int] = {}
    for key, raw in items:
        if "\x00" in key or "\x00" in raw:
            raise bad_request("Search parameters may not contain a NUL character", (key[:60],))
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > MAX_REPEATS:
            text = f"'{key[:60]}' may be repeated at most {MAX_REPEATS} times"
            raise bad_request(text, (key[:60],), "too-costly")
        if raw.count(",") >= MAX_OR_VALUES:
            text = f"'{key[:60]}' may offer at most {MAX_OR_VALUES} values"
            raise bad_request(text, (key[:60],), "too-costly")


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


def decode_cursor(raw: str) -> list[Any]:
    try:
        value = orjson.loads(base64.urlsafe_b64decode(raw.encode() + b"=="))
    except (ValueError, orjson.JSONDecodeError):
        raise bad_request("The paging cursor is not valid", ("_cursor",), "value") from None
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], int):
        raise bad_request("The paging cursor is not valid", ("_cursor",), "value")
    return value


def cursor_position(
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


def encode_cursor(sort_value: Any, pk: int) -> str:
    if isinstance(sort_value, datetime):
        sort_value = sort_value.isoformat()
    return base64.urlsafe_b64encode(orjson.dumps([sort_value, pk])).decode().rstrip("=")
