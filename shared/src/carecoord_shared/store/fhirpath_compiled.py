"""Declared FHIRPath turned once into plain Python that gives what fhirpathpy gives.

The search parameters and patient paths services declare use a small part of FHIRPath:
`Type.member.member`, `.where(member='text')`, and a choice element (`Condition.onset`,
`Extension.value`) as the last step. `extractor` compiles such an expression once into
a chain of steps over the JSON (plain dicts and lists); any other expression is
evaluated by fhirpathpy, compiled once. The steps follow fhirpathpy's member navigation
exactly (`_member` primitive extensions beside the value, lists spread, None kept in a
list, choice types tried in the R4 model's order, a value's type path from the model),
and its output (a top-level `{"extension": ...}` dropped). The few inputs whose answer
depends on more than that make the fast path give up (`Fallback`) and fhirpathpy
answer instead: a float anywhere in a value (fhirpathpy returns Decimals), an
extension-only element inside a value's list, or a nested `resourceType` under a step
whose meaning depends on the type path. The fast path never returns another answer.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from carecoord_shared.fhir.outcome import JsonObject

Extractor = Callable[[JsonObject], list[Any]]
Step = Callable[[list[Any]], list[Any]]


def _r4_model() -> dict[str, Any]:
    """fhirpathpy's R4 model (its `models["r4"]`), read from its files without importing
    fhirpathpy: its parser (about 10 MiB in every API and worker) and the other three
    FHIR versions' models (4 MiB more) would load for a fallback that the declared
    expressions never need."""
    spec = importlib.util.find_spec("fhirpathpy")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fhirpathpy is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models" / "r4"
    return {path.stem: json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))}


MODEL: dict[str, Any] = _r4_model()

_MEMBER = re.compile(r"[a-z][A-Za-z0-9]*")
_WHERE = re.compile(r"where\(([a-z][A-Za-z0-9]*)\s*=\s*'([^'\\]*)'\)")
_ROOT = re.compile(r"[A-Z][A-Za-z]*")


class Fallback(Exception):
    """This resource needs fhirpathpy's general evaluator for this expression."""


@cache
def general(expression: str) -> Extractor:
    """fhirpathpy's evaluator for `expression` with the R4 model, parsed once (and
    fhirpathpy imported the first time one is needed)."""
    import fhirpathpy  # only for a fallback (see `_r4_model`)

    compiled = fhirpathpy.compile(expression, MODEL)

    def evaluate(resource: JsonObject) -> list[Any]:
        return compiled(resource, None)

    return evaluate


@cache
def fast_path(expression: str) -> Extractor | None:
    """The compiled form of `expression` (raising `Fallback` where it cannot answer
    exactly), or None when the expression is outside the compiled subset."""
    segments = _segments(expression)
    if segments is None or not _ROOT.fullmatch(segments[0]):
        return None
    steps = _steps(segments[0], segments[1:])
    if steps is None:
        return None
    return _chain(segments[0], tuple(steps))


@cache
def extractor(expression: str) -> Extractor:
    """What `expression` yields for a resource: the compiled form, falling back to
    fhirpathpy for an expression outside the subset or an input it leaves to it."""
    fast = fast_path(expression)
    if fast is None:
        return general(expression)

    def extract(resource: JsonObject) -> list[Any]:
        try:
            return fast(resource)
        except Fallback:  # fhirpathpy parses the expression the first time it is needed
            return general(expression)(resource)

    return extract


def _segments(expression: str) -> list[str] | None:
    """`A.b.where(c='d').e` split at the dots outside quotes and brackets."""
    segments, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(expression):
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and char == ".":
            segments.append(expression[start:i])
            start = i + 1
    segments.append(expression[start:])
    return None if quoted or depth else segments


def _steps(root: str, segments: list[str]) -> list[Step] | None:
    """One step per segment, tracking the type path as fhirpathpy does; None if a
    segment is outside the subset (or a choice element is not the last)."""
    parsed: list[tuple[str, tuple[str, ...]]] = []
    path = root
    for position, segment in enumerate(segments):
        where = _WHERE.fullmatch(segment)
        if where is not None:
            parsed.append(("where", (where[1], where[2])))
            continue
        if not _MEMBER.fullmatch(segment) or segment == "length":
            return None
        child = MODEL["pathsDefinedElsewhere"].get(f"{path}.{segment}", f"{path}.{segment}")
        choices = MODEL["choiceTypePaths"].get(child)
        if choices:
            if position != len(segments) - 1:
                return None
            parsed.append(("choice", (segment, *choices)))
            break
        parsed.append(("member", (segment,)))
        child = "Extension" if segment == "extension" else child
        path = MODEL["path2Type"].get(child, child)
    # where and a choice depend on the type path, which a nested resource would reset
    typed = any(kind != "member" for kind, _ in parsed)
    return [_STEPS[kind](typed and i > 0, *args) for i, (kind, args) in enumerate(parsed)]


def _chain(root: str, steps: tuple[Step, ...]) -> Extractor:
    def run(resource: JsonObject) -> list[Any]:
        if resource["resourceType"] != root:  # fhirpathpy indexes it too (KeyError alike)
            return []
        values: list[Any] = [resource]
        for step in steps:
            if not values:
                return values
            values = step(values)
        return _output(values)

    return run


def _field(value: JsonObject, key: str, extension: str, out: list[Any]) -> list[Any]:
    """`key`'s values and then its primitive extension's (`extension`: `_key`), lists
    spread, onto `out`."""
    found = value.get(key)
    if isinstance(found, list):
        out.extend(found)
    elif found is not None:
        out.append(found)
    found = value.get(extension)
    if isinstance(found, list):
        out.extend(found)
    elif found is not None:
        out.append(found)
    return out


def _dicts(values: list[Any], guard: bool) -> Iterable[Any]:
    """The elements among `values` (a step finds nothing under any other value); when
    the step depends on the type path, `Fallback` at a nested resource."""
    if not guard:
        return values  # the step skips what is not a dict itself
    for value in values:
        if isinstance(value, dict) and "resourceType" in value:
            raise Fallback(f"a nested {value['resourceType']}")
    return values


def _member(guard: bool, key: str) -> Step:
    extension = f"_{key}"

    def step(values: list[Any]) -> list[Any]:
        out: list[Any] = []
        for value in _dicts(values, guard):
            if isinstance(value, dict):
                _field(value, key, extension, out)
        return out

    return step


def _choice(guard: bool, key: str, *types: str) -> Step:
    order = {f"{key}{kind}": rank for rank, kind in enumerate(types)}
    order.update({f"_{key}{kind}": rank for rank, kind in enumerate(types)})
    fields = [(f"{key}{kind}", f"_{key}{kind}") for kind in types]

    def step(values: list[Any]) -> list[Any]:
        out: list[Any] = []
        for value in _dicts(values, guard):
            if not isinstance(value, dict):
                continue
            ranks = [order[name] for name in value if name in order and value[name] is not None]
            if ranks:  # the first type (in the model's order) with a value or an extension
                _field(value, *fields[min(ranks)], out)
        return out

    return step


def _where(guard: bool, key: str, text: str) -> Step:
    extension = f"_{key}"

    def step(values: list[Any]) -> list[Any]:
        return [
            value
            for value in _dicts(values, guard)
            if isinstance(value, dict) and _field(value, key, extension, []) == [text]
        ]

    return step


_STEPS: dict[str, Callable[..., Step]] = {"member": _member, "choice": _choice, "where": _where}


_AS_IS = frozenset({str, int, bool, type(None)})
"""Types fhirpathpy hands back unchanged wherever they are (checked first: most are)."""


def _output(values: list[Any]) -> list[Any]:
    """fhirpathpy's result: extension-only values dropped; `Fallback` where it would
    rebuild a value into something unequal (a float as Decimal, a list filtered)."""
    out = []
    for value in values:
        if type(value) not in _AS_IS:
            if isinstance(value, float):
                raise Fallback("a float")
            if isinstance(value, dict):
                if list(value) == ["extension"]:
                    continue
                _check_plain(value.values(), in_list=False)
        out.append(value)
    return out


def _check_plain(items: Iterable[Any], *, in_list: bool) -> None:
    """Raises `Fallback` for a float among `items` or below them, or an extension-only
    element in a list (fhirpathpy's result would leave it out)."""
    for item in items:
        if type(item) in _AS_IS:
            continue
        if isinstance(item, float):
            raise Fallback("a float")
        if isinstance(item, dict):
            if in_list and list(item) == ["extension"]:
                raise Fallback("an extension-only element in a list")
            _check_plain(item.values(), in_list=False)
        elif isinstance(item, list):
            _check_plain(item, in_list=True)
