"""`_summary` and `_elements`: part of each resource (FHIR R4 search, §3.1.1.5.8-9).

`_summary=true` keeps the elements the base definition marks `isSummary`; `text` keeps
the narrative and `data` drops it; `_elements=a,b` keeps the named top-level elements.
Whatever is asked, `resourceType`, `id`, `meta` and the type's mandatory elements (min 1)
stay, as the specification says servers SHOULD return them, and every subsetted resource
carries the SUBSETTED tag in `meta.tag` so nobody writes it back as if it were whole.
Which elements are summary or mandatory comes from the R4 models (`fhir.resources` field
metadata: `summary_element_property`, required fields and `element_required`), never from
hand-written lists. `_summary=false` (and `count`, a search matter) changes nothing here.

Decisions where R4 leaves room: `_summary` and `_elements` together are refused (400),
as the two are alternatives; a name `_elements` lists that is not an element of the type
is refused (400, the specification: "Each element name SHALL be the name of an element in
the resource type"), or ignored with a warning under `Prefer: handling=lenient`, like an
unknown search parameter; `_elements` subsets the searched type only (an `_include`d
resource of another type comes whole), while `_summary` applies to every entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import orjson

from carecoord_shared.fhir.outcome import Issue, JsonObject, bad_request
from carecoord_shared.fhir.parsing import model_class
from carecoord_shared.store.repository import StoredResource

__all__ = ["SUBSETTED", "Subset", "parse_subset", "subset_resource", "subset_stored"]

SUBSETTED: JsonObject = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
    "display": "subsetted",
}
_ALWAYS = frozenset({"resourceType", "id", "meta"})
_SUMMARIES = ("true", "text", "data", "false", "count")


@dataclass(frozen=True, slots=True)
class Subset:
    """What part of each resource to return: a `_summary` mode or an `_elements` list."""

    summary: str | None = None  # "true", "text" or "data"
    elements: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Shape:
    base: dict[str, str]  # JSON key (valueQuantity, _birthDate) -> element (value, birthDate)
    summary: frozenset[str]
    mandatory: frozenset[str]


@cache
def _shape(resource_type: str) -> _Shape | None:
    try:
        model = model_class(resource_type)
    except (KeyError, ValueError, AttributeError, ImportError):
        return None
    base: dict[str, str] = {}
    summary: set[str] = set()
    mandatory: set[str] = set()
    for field in model.model_fields.values():
        extra = field.json_schema_extra
        if not isinstance(extra, dict) or not extra.get("element_property") or not field.alias:
            continue
        name = str(extra.get("one_of_many") or field.alias)
        base[field.alias] = base[f"_{field.alias}"] = name
        if extra.get("summary_element_property"):
            summary.add(name)
        if (
            field.is_required()
            or extra.get("element_required")
            or extra.get("one_of_many_required")
        ):
            mandatory.add(name)
    return _Shape(base, frozenset(summary), frozenset(mandatory))


def _element_names(
    resource_type: str, raw: Sequence[str], strict: bool
) -> tuple[frozenset[str], list[Issue]]:
    shape = _shape(resource_type)
    known = set(shape.base.values()) if shape else set()
    names: set[str] = set()
    ignored: list[Issue] = []
    for name in (n.strip() for value in raw for n in value.split(",")):
        if not name or name in _ALWAYS or name in known:
            names.update((name,) if name else ())
            continue
        text = f"'{name[:60]}' is not an element of {resource_type}"
        if strict:
            raise bad_request(text, ("_elements",), "not-supported")
        ignored.append(Issue("not-supported", text + ": ignored", severity="warning"))
    return frozenset(names), ignored


def parse_subset(
    resource_type: str,
    summaries: Sequence[str],
    elements: Sequence[str],
    *,
    strict: bool,
) -> tuple[Subset | None, list[Issue]]:
    """The subset `_summary` / `_elements` ask for (None: the whole resource), or a 400."""
    if summaries and elements:
        raise bad_request(
            "_summary and _elements cannot be combined: use one", ("_elements",), "not-supported"
        )
    if len(summaries) > 1:
        raise bad_request("_summary may be given once", ("_summary",), "value")
    if summaries:
        mode = summaries[0]
        if mode not in _SUMMARIES:
            text = f"_summary is one of {', '.join(_SUMMARIES)}"
            raise bad_request(text, ("_summary",), "value")
        return (Subset(summary=mode) if mode in ("true", "text", "data") else None), []
    if not elements:
        return None, []
    names, ignored = _element_names(resource_type, elements, strict)
    return Subset(elements=names), ignored


def _kept(shape: _Shape, subset: Subset) -> frozenset[str] | None:
    """The elements kept (None: every element but the narrative, `_summary=data`)."""
    if subset.summary == "data":
        return None
    if subset.summary == "text":
        return shape.mandatory | {"text"}
    if subset.summary == "true":
        return shape.summary | shape.mandatory
    return subset.elements | shape.mandatory


def subset_resource(resource: JsonObject, subset: Subset) -> JsonObject:
    """The resource cut down to `subset`, tagged SUBSETTED."""
    shape = _shape(str(resource.get("resourceType")))
    if shape is None:
        return resource
    kept = _kept(shape, subset)
    result = {
        key: value
        for key, value in resource.items()
        if key in _ALWAYS
        or (kept is None and key != "text")
        or (kept is not None and shape.base.get(key, key) in kept)
    }
    meta = dict(result.get("meta") or {})
    tags = [t for t in meta.get("tag", []) if t.get("code") != "SUBSETTED"]
    meta["tag"] = [*tags, SUBSETTED]
    result["meta"] = meta
    return result


def subset_stored(stored: StoredResource, subset: Subset | None) -> StoredResource:
    """`stored` with its content subsetted (a deleted version, or no subset: unchanged)."""
    if subset is None or stored.content is None:
        return stored
    content = orjson.dumps(subset_resource(stored.as_json(), subset))
    return dataclasses.replace(stored, content=content)


def subset_search(
    subset: Subset, matches: list[StoredResource], included: list[StoredResource]
) -> tuple[list[StoredResource], list[StoredResource]]:
    """A search page subsetted: `_summary` applies to every entry, `_elements` to the
    searched type's matches (its names are that type's elements)."""
    kept_included = (
        included if subset.summary is None else [subset_stored(s, subset) for s in included]
    )
    return [subset_stored(s, subset) for s in matches], kept_included
