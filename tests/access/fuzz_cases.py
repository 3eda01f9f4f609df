"""The fuzz run's cases, generated from each service's registry with a fixed seed.

For every type a client may write: its minimal valid body (`bodies`, `directory`),
mutated, POSTed or PUT. For every searchable type: searches on its declared
parameters with hostile values and controls. For every operation: its Parameters
built from the declaration (each input with a value of its declared type), then
mutated. The same seed gives the same cases on every run, so a failure reproduces.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from carecoord_shared.fhir.operation_parameters import Param
from carecoord_shared.fhir.registry import FhirRegistry, Interaction, ResourceDefinition
from tests.access.bodies import NHS, SNOMED, coded
from tests.access.mutations import BODY_MUTATIONS, ODD_TEXT, encode

SEED = 20_260_113
"""Issue 13, fixed: the same cases every run."""
FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True, slots=True)
class Case:
    method: str
    path: str
    """With `{id}` where an existing record's id goes."""
    what: str
    content: bytes | None = None
    params: tuple[tuple[str, str], ...] = ()
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")


def _writable(definition: ResourceDefinition) -> list[str]:
    methods = []
    if Interaction.CREATE in definition.interactions:
        methods.append("POST")
    if Interaction.UPDATE in definition.interactions:
        methods.append("PUT")
    return methods


def body_cases(
    rng: random.Random, definition: ResourceDefinition, body: Any, n: int
) -> Iterator[Case]:
    methods = _writable(definition)
    if not methods:
        return
    for _ in range(n):
        mutation = rng.choice(BODY_MUTATIONS)
        what, content = mutation(rng, body)
        method = rng.choice(methods)
        path = f"/fhir/{definition.type}" + ("/{id}" if method == "PUT" else "")
        media = rng.choice((*[FHIR_JSON] * 6, "application/json", "application/xml", "text/plain"))
        headers = {"Content-Type": media}
        yield Case(method, path, f"{mutation.__name__}: {what} ({media})", content, (), headers)


_MODIFIERS = ("", "", ":missing", ":not", ":exact", ":contains", ":identifier", ":below", ":x\x00")
_VALUES = (
    *ODD_TEXT,
    "x" * 10_000,
    "ge",
    "ge2024-13-45",
    "1e999",
    "eq-1",
    "2024-02-30T25:61:00Z",
    ",".join(["a"] * 60),
    "|",
    "|||",
    "Patient/",
    "Patient/../../x",
    f"{NHS}|9990000019",
)
_CONTROLS = (
    ("_count", "-1"),
    ("_count", "abc"),
    ("_count", "99999999999999999999"),
    ("_sort", "nonsense"),
    ("_sort", "-"),
    ("_include", "Nonsense:x"),
    ("_include", "*"),
    ("_revinclude", "Task:"),
    ("_cursor", "not-a-cursor"),
    ("_cursor", "WzEsMl0"),
    ("_summary", "true"),
    ("_total", "\x00"),
    ("_lastUpdated", "gt\x00"),
    ("_id", "a" * 100),
)


def search_cases(rng: random.Random, definition: ResourceDefinition, n: int) -> Iterator[Case]:
    if Interaction.SEARCH not in definition.interactions:
        return
    names = ["_id", "_lastUpdated", *(p.name for p in definition.search_params), "unknown"]
    for _ in range(n):
        params = []
        for _ in range(rng.randint(1, 3)):
            name = rng.choice(names) + rng.choice(_MODIFIERS)
            params.append((name, rng.choice(_VALUES)))
        if rng.random() < 0.5:
            params.append(rng.choice(_CONTROLS))
        if rng.random() < 0.2:
            params.extend([params[0]] * rng.choice((6, 200)))
        yield Case("GET", f"/fhir/{definition.type}", f"search {params[:4]}", None, tuple(params))


_EXAMPLES: dict[str, Any] = {
    "code": "x",
    "string": "text",
    "integer": 1,
    "decimal": 1.5,
    "boolean": True,
    "date": "2026-01-05",
    "dateTime": "2026-01-05T09:30:00Z",
    "Identifier": {"system": NHS, "value": "9990000018"},
    "Reference": {"reference": "HealthcareService/x"},
    "CodeableConcept": coded("x", SNOMED),
    "Coding": {"system": SNOMED, "code": "x"},
    "Period": {"start": "2026-01-05"},
}


def _part(param: Param) -> dict[str, Any]:
    if param.parts:
        return {"name": param.name, "part": [_part(p) for p in param.parts]}
    value = param.values[0] if param.values else _EXAMPLES.get(param.type, "x")
    return {"name": param.name, param.value_key: value}


def parameters_of(inputs: tuple[Param, ...]) -> dict[str, Any]:
    """A Parameters resource giving every declared input a value of its type."""
    return {"resourceType": "Parameters", "parameter": [_part(p) for p in inputs]}


def operation_cases(rng: random.Random, registry: FhirRegistry, n: int) -> Iterator[Case]:
    for operation in registry.operations:
        path = operation.path.replace("{resource_id}", "{id}")
        body = parameters_of(operation.inputs)
        for _ in range(n):
            mutation = rng.choice(BODY_MUTATIONS)
            what, content = mutation(rng, body)
            headers = {"Content-Type": FHIR_JSON}
            yield Case(
                "POST", path, f"{operation.name} {mutation.__name__}: {what}", content, (), headers
            )
        if not operation.changes_state:
            params = tuple((p.name, rng.choice(_VALUES)) for p in operation.inputs) or (
                ("x", "\x00"),
            )
            yield Case("GET", path, f"{operation.name} GET {params}", None, params)


def fuzz_cases(registry: FhirRegistry, bodies: dict[str, Any], per_type: int) -> list[Case]:
    """The service's cases: `bodies` maps each writable type to its valid body."""
    rng = random.Random(f"{SEED}:{registry.service}")
    cases: list[Case] = []
    for definition in registry.all():
        if definition.type in bodies:
            cases.extend(body_cases(rng, definition, bodies[definition.type], per_type))
        cases.extend(search_cases(rng, definition, per_type // 2))
    cases.extend(operation_cases(rng, registry, max(2, per_type // 4)))
    return cases


__all__ = ["Case", "encode", "fuzz_cases", "parameters_of"]
