"""Turns a resource into the rows of its search index.

Search parameters are declared as FHIRPath, each compiled once into plain Python that
gives what fhirpathpy gives (`fhirpath_compiled`); each value becomes one `search_index`
row. Dates become a `[lo, hi)` instant range at their precision, so `ge`/`lt` and
friends are plain range tests. Strings are stored folded to lower case for FHIR's
case-insensitive starts-with match. References also index their logical identifier,
so callers can search `subject:identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.registry import ResourceDefinition, SearchParam
from carecoord_shared.store.fhirpath_compiled import extractor

_DATE = re.compile(
    r"^(?P<y>\d{4})(-(?P<m>\d{2})(-(?P<d>\d{2})"
    r"(T(?P<H>\d{2}):(?P<M>\d{2})(:(?P<S>\d{2})(?P<f>\.\d+)?)?(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


class IndexRow(NamedTuple):
    """One `search_index` row. A named tuple, not a frozen dataclass: a write makes a
    dozen or more per resource, and a tuple is built and hashed in half the time."""

    param: str
    system: str | None = None
    value: str | None = None
    exact: str | None = None
    lo: datetime | None = None
    hi: datetime | None = None


def evaluate(expression: str, resource: JsonObject) -> list[Any]:
    return extractor(expression)(resource)


def date_range(text: str) -> tuple[datetime, datetime] | None:
    """A FHIR date/dateTime/instant as the half-open range it covers, in UTC.

    The range is as wide as the value's precision: a day, a minute, a second, or a
    millisecond for `...:05.123`, so `gt` the last `meta.lastUpdated` seen misses
    nothing written a moment later. None for text that is not a real calendar date.
    """
    if not isinstance(text, str):
        return None
    match = _DATE.match(text.strip())
    if match is None:
        return None
    try:
        return _span(match)
    except ValueError:  # 2024-02-30, month 13, hour 25: the right shape, not a date
        return None


def _span(match: re.Match[str]) -> tuple[datetime, datetime]:
    year = int(match["y"])
    if match["m"] is None:
        return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    month = int(match["m"])
    if match["d"] is None:
        start = datetime(year, month, 1, tzinfo=UTC)
        return start, start + timedelta(days=calendar.monthrange(year, month)[1])
    day = int(match["d"])
    if match["H"] is None:
        start = datetime(year, month, day, tzinfo=UTC)
        return start, start + timedelta(days=1)
    fraction = match["f"] or ""
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    start = datetime(
        year, month, day, int(match["H"]), int(match["M"]), int(match["S"] or 0), micro
    )
    zone = match["tz"]
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        start = (start - sign * offset).replace(tzinfo=UTC)
    else:
        start = start.replace(tzinfo=UTC)
    if match["S"] is None:
        width = timedelta(minutes=1)
    elif fraction:
        width = timedelta(microseconds=max(1, 10 ** (6 - min(len(fraction) - 1, 6))))
    else:
        width = timedelta(seconds=1)
    return start, start + width


def _token_rows(name: str, value: Any) -> Iterator[IndexRow]:
    if isinstance(value, bool):
        yield IndexRow(name, value="true" if value else "false")
    elif isinstance(value, str | int):
        yield IndexRow(name, value=str(value))
    elif isinstance(value, dict):
        if "coding" in value or "text" in value:  # CodeableConcept
            for coding in value.get("coding", []):
                yield from _token_rows(name, coding)
        elif "code" in value:  # Coding
            yield IndexRow(name, system=value.get("system"), value=str(value["code"]))
        elif "value" in value:  # Identifier, ContactPoint
            yield IndexRow(name, system=value.get("system"), value=str(value["value"]))


def _reference_rows(name: str, value: Any) -> Iterator[IndexRow]:
    if not isinstance(value, dict):
        return
    reference = value.get("reference")
    if isinstance(reference, str):  # a versioned reference is found by its resource too
        yield IndexRow(name, value=reference.split("/_history/")[0])
    identifier = value.get("identifier")
    if isinstance(identifier, dict) and "value" in identifier:
        yield IndexRow(
            f"{name}:identifier", system=identifier.get("system"), value=str(identifier["value"])
        )


def _date_rows(name: str, value: Any) -> Iterator[IndexRow]:
    if isinstance(value, str):
        span = date_range(value)
        if span:
            yield IndexRow(name, lo=span[0], hi=span[1])
    elif isinstance(value, dict) and ("start" in value or "end" in value):  # Period
        start = date_range(value["start"]) if "start" in value else None
        end = date_range(value["end"]) if "end" in value else None
        yield IndexRow(
            name,
            lo=start[0] if start else datetime.min.replace(tzinfo=UTC),
            hi=end[1] if end else datetime.max.replace(tzinfo=UTC),
        )


def _string_values(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):  # HumanName, Address: every text part
        for key in ("text", "family", "given", "prefix", "line", "city", "district", "postalCode"):
            part = value.get(key)
            if isinstance(part, str):
                yield part
            elif isinstance(part, list):
                yield from (p for p in part if isinstance(p, str))


def rows_for_param(param: SearchParam, resource: JsonObject) -> Iterator[IndexRow]:
    for value in evaluate(param.expression, resource):
        if param.type == "token":
            yield from _token_rows(param.name, value)
        elif param.type == "reference":
            yield from _reference_rows(param.name, value)
        elif param.type == "date":
            yield from _date_rows(param.name, value)
        else:
            for text in _string_values(value):
                yield IndexRow(param.name, value=text.casefold(), exact=text)


OWNER_TAG_SYSTEM = "https://fhir.carecoord.example/owner"
"""meta.tag system naming the client that owns an `owned` resource (the kernel writes it)."""


def owner_of(resource: JsonObject) -> str | None:
    tags = (resource.get("meta") or {}).get("tag") or []
    return next((str(t.get("code")) for t in tags if t.get("system") == OWNER_TAG_SYSTEM), None)


SORT_KEY = ":sort"
"""Suffix of the row that holds a date parameter's sort key (`due:sort` for `due`)."""

SORT_FLOOR = datetime.min.replace(tzinfo=UTC)
"""The sort key of a resource without a value: before every date."""


def sort_key_row(name: str, rows: Iterable[IndexRow]) -> IndexRow:
    """The one row a `_sort` on date parameter `name` orders by: its earliest value's
    start (the floor when it has none), so a sorted page joins one row per resource
    rather than working out a minimum for every matching resource."""
    starts = [row.lo for row in rows if row.lo is not None]
    return IndexRow(f"{name}{SORT_KEY}", lo=min(starts, default=SORT_FLOOR))


def index_rows(definition: ResourceDefinition, resource: JsonObject) -> list[IndexRow]:
    rows: set[IndexRow] = set()
    for param in definition.search_params:
        found = set(rows_for_param(param, resource))
        rows.update(found)
        if param.type == "date":
            rows.add(sort_key_row(param.name, found))
    owner = owner_of(resource) if definition.owned else None
    if owner is not None:
        rows.add(IndexRow("_owner", system=OWNER_TAG_SYSTEM, value=owner))
    return list(rows)


def patient_nhs_of(definition: ResourceDefinition, resource: JsonObject) -> str | None:
    if definition.patient_nhs is None:
        return None
    values = [v for v in evaluate(definition.patient_nhs, resource) if isinstance(v, str)]
    return values[0] if values else None
