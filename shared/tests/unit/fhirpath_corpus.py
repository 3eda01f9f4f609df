"""What the compiled FHIRPath is checked against: every declared expression, and the
resources they are evaluated on (the demo data, the resources the test suites store,
and seeded variations of both that reach the corners of fhirpathpy's navigation).

The declared expressions are the kernel's R4 table and what each service's registry
serves (search parameters, the patient's NHS number and its reference), built the way
the stack builds them. `indexed_resources.json` holds distinct resources the services'
test suites indexed (kept by wrapping `index_rows` during a run of their service,
operation and integration tests; narrative left out).
"""

from __future__ import annotations

import copy
import importlib
import json
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.fhir.standard_params import R4, TASK_WINDOW
from carecoord_shared.store.fhirpath_compiled import MODEL, _segments

SERVICES = ("referrals", "care_plans", "mdt", "portal")
STORED = Path(__file__).with_name("indexed_resources.json")
Resource = dict[str, Any]


def registry(service: str) -> FhirRegistry:
    declared = importlib.import_module(f"{service}.definition").SERVICE
    settings = declared.settings()
    context = declared.context(settings, lambda: datetime.now(UTC))
    built: FhirRegistry = declared.registry(settings, context)
    return built


@cache
def declared_expressions() -> tuple[str, ...]:
    found = {f"{kind}.{path}" for kind, params in R4.items() for _, path in params.values()}
    found.add(TASK_WINDOW.expression)
    for service in SERVICES:
        for definition in registry(service).all():
            found.update(param.expression for param in definition.search_params)
            if definition.patient_nhs is not None:
                found.add(definition.patient_nhs)
            if definition.patient_element is not None:
                found.add(f"{definition.patient_element}.reference")
    return tuple(sorted(found))


def root_of(expression: str) -> str:
    return expression.split(".", 1)[0]


_LITERAL = re.compile(r"'([^']*)'")
_WHERE = re.compile(r"where\((\w+)='([^']*)'\)")


def _fill(resource: Resource, segments: list[str], leaf: Any) -> None:
    """Puts `leaf` where `segments` (`identifier`, `where(system='x')`, `value`) lead;
    a choice element (`Condition.onset`) as its first type (`onsetDateTime`)."""
    choices = MODEL["choiceTypePaths"].get(".".join([resource["resourceType"], *segments]))
    if choices:
        segments = [*segments[:-1], f"{segments[-1]}{choices[0]}"]
    here: Any = resource
    for position, segment in enumerate(segments):
        where = _WHERE.fullmatch(segment)
        if where is not None and isinstance(here, list):  # an element the filter keeps
            here.append({where[1]: where[2]})
            here = here[-1]
        elif not isinstance(here, dict) or where is not None:
            return
        elif position == len(segments) - 1:
            here.setdefault("valueCode" if segment == "value" and "url" in here else segment, leaf)
        else:
            following = _WHERE.fullmatch(segments[position + 1]) is not None
            here = here.setdefault(segment, [] if following else {})


def synthetic() -> list[Resource]:
    """For each type an expression names, one resource with a value at every path."""
    leaves = (
        "active",
        {"coding": [{"system": "https://example.org/cs", "code": "c"}]},
        "2024-03-01T09:30:00Z",
        {
            "reference": "Patient/p1",
            "identifier": {"system": "https://example.org/id", "value": "1"},
        },
    )
    made: dict[str, Resource] = {}
    longest_first = sorted(declared_expressions(), key=lambda e: -e.count("."))
    for number, expression in enumerate(longest_first):
        kind, *segments = _segments(expression) or [expression]
        resource = made.setdefault(kind, {"resourceType": kind, "id": "synthetic"})
        _fill(resource, segments, copy.deepcopy(leaves[number % len(leaves)]))
    return list(made.values())


@cache
def corpus() -> tuple[Resource, ...]:
    """The demo data, the stored test resources and one synthetic resource per type."""
    from carecoord_devstack.demo_data import demo_stages

    demo = [seed.resource for stages in demo_stages().values() for s in stages for seed in s]
    stored: list[Resource] = json.loads(STORED.read_text())
    return (*demo, *stored, *synthetic())


def _pool(literals: list[str]) -> list[Any]:
    """Values a variation puts somewhere: the kinds of thing fhirpathpy treats apart."""
    extension = {"extension": [{"url": "https://example.org/x", "valueString": "x"}]}
    return [
        *literals,
        "2024-03-01",
        "2024-03-01T09:30:00Z",
        {"start": "2024-01-01", "end": "2024-02-01"},
        {"coding": [{"system": "http://snomed.info/sct", "code": "3457005"}], "text": "t"},
        *({"system": literal, "value": "9990000018"} for literal in literals),
        *({"url": literal, "valueCode": "triaged"} for literal in literals),
        {"identifier": {"system": literals[0], "value": "9990000018"}},
        {"reference": "Patient/p1"},
        1.5,
        7,
        True,
        None,
        [],
        ["a", None],
        extension,
        {"id": "e1", **extension},
        [extension, "b"],
        {"value": 2.5, "unit": "d"},
        {"resourceType": "Patient", "id": "contained"},
    ]


_CHOICES = ("value", "onset", "due")
_KINDS = ("String", "Code", "DateTime", "Date", "Period", "CodeableConcept", "Duration")


def _locations(value: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((value, key))
            _locations(item, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.append((value, index))
            _locations(item, out)
    return out


def _mutate(resource: Resource, rng: random.Random, pool: list[Any]) -> None:
    locations = _locations(resource, [])
    container, key = rng.choice(locations) if locations else (resource, "id")
    dicts = [resource, *(c[k] for c, k in locations if isinstance(c[k], dict))]
    target = rng.choice(dicts)
    action = rng.randrange(7)
    if action == 0:  # a value of another kind in its place
        container[key] = copy.deepcopy(rng.choice(pool))
    elif action == 1 and isinstance(key, str):  # a primitive extension beside it
        container[f"_{key}"] = copy.deepcopy(rng.choice(pool[-6:]))
    elif action == 2:  # one value as a list, or one more in a list
        found = container[key]
        container[key] = (
            [*found, copy.deepcopy(rng.choice(pool))] if isinstance(found, list) else [found]
        )
    elif action == 3:  # another choice type beside (or instead of) the one there
        name = f"{rng.choice(('', '_'))}{rng.choice(_CHOICES)}{rng.choice(_KINDS)}"
        target[name] = copy.deepcopy(rng.choice(pool))
    elif action == 4:  # a field a path names, with a value from the pool
        target[rng.choice(("system", "url", "value", "identifier", "extension"))] = copy.deepcopy(
            rng.choice(pool)
        )
    elif action == 5:
        target["resourceType"] = rng.choice(("Patient", resource.get("resourceType", "Task")))
    elif isinstance(container, dict):
        del container[key]


def variations(resources: tuple[Resource, ...], per_resource: int, seed: int) -> Iterator[Resource]:
    """Seeded variations: each a copy with one to three mutations."""
    rng = random.Random(seed)
    literals = sorted({m for e in declared_expressions() for m in _LITERAL.findall(e)})
    pool = _pool(literals)
    for resource in resources:
        for _ in range(per_resource):
            varied = copy.deepcopy(resource)
            for _ in range(rng.randint(1, 3)):
                _mutate(varied, rng, pool)
            yield varied
