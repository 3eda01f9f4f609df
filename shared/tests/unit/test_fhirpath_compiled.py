"""The compiled FHIRPath subset, case by case: what it yields, and that it is fhirpathpy's."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from fhirpathpy.models import models

from carecoord_shared.store.fhirpath_compiled import MODEL, Fallback, extractor, fast_path, general

NHS = "https://fhir.nhs.uk/Id/nhs-number"
NHS_OF_TASK = f"Task.for.identifier.where(system='{NHS}').value"
STATE = "https://fhir.carecoord.example/StructureDefinition/triage-state"
TRIAGE_STATE = f"ServiceRequest.extension.where(url='{STATE}').value"
EXTENSION = {"extension": [{"url": "https://example.org/x", "valueString": "x"}]}


def task(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Task", **fields}


CASES: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("Task.status", task(status="ready"), ["ready"]),
    ("Task.status", {"resourceType": "ServiceRequest", "status": "active"}, []),
    (
        "Task.restriction.period.end",
        task(restriction={"period": {"end": "2026-01-02"}}),
        ["2026-01-02"],
    ),
    (
        "Task.owner",
        task(owner=[{"reference": "A"}, None, {"reference": "B"}]),
        [{"reference": "A"}, None, {"reference": "B"}],
    ),
    (
        "Task.status",
        task(status="ready", _status={"id": "s", **EXTENSION}),
        ["ready", {"id": "s", **EXTENSION}],
    ),
    ("Task.status", task(status="ready", _status=EXTENSION), ["ready"]),  # extension-only: dropped
    ("Task.status", task(status=[]), []),
    (
        NHS_OF_TASK,
        task(**{"for": {"identifier": {"system": NHS, "value": "9990000018"}}}),
        ["9990000018"],
    ),
    (
        NHS_OF_TASK,
        task(
            **{
                "for": {
                    "identifier": [{"system": "x", "value": "1"}, {"system": NHS, "value": "2"}]
                }
            }
        ),
        ["2"],
    ),
    (NHS_OF_TASK, task(**{"for": {"identifier": {"system": [NHS], "value": "3"}}}), ["3"]),
    (NHS_OF_TASK, task(**{"for": {"identifier": {"system": [NHS, NHS], "value": "4"}}}), []),
    (
        NHS_OF_TASK,
        task(**{"for": {"identifier": {"system": NHS, "_system": EXTENSION, "value": "5"}}}),
        [],
    ),
    ("Condition.onset", {"resourceType": "Condition", "onsetDateTime": "2024"}, ["2024"]),
    ("Condition.onset", {"resourceType": "Condition", "onset": "2024"}, []),  # not a type R4 allows
    (
        "Condition.onset",
        {"resourceType": "Condition", "onsetString": "spring", "onsetDateTime": "2024"},
        ["2024"],
    ),
    (
        "Goal.target.due",
        {"resourceType": "Goal", "target": [{"dueDate": "2025-01-01"}, {"dueDate": None}]},
        ["2025-01-01"],
    ),
    (
        TRIAGE_STATE,
        {"resourceType": "ServiceRequest", "extension": [{"url": STATE, "valueCode": "triaged"}]},
        ["triaged"],
    ),
    (
        TRIAGE_STATE,
        {"resourceType": "ServiceRequest", "extension": [{"url": "other", "valueCode": "x"}]},
        [],
    ),
]


@pytest.mark.parametrize(("expression", "resource", "expected"), CASES)
def test_compiled_yields_what_fhirpathpy_yields(
    expression: str, resource: dict[str, Any], expected: list[Any]
) -> None:
    fast = fast_path(expression)
    assert fast is not None
    assert fast(resource) == expected
    assert general(expression)(resource) == expected
    assert extractor(expression)(resource) == expected


@pytest.mark.parametrize(
    ("expression", "resource"),
    [
        ("Task.input.value", task(input=[{"valueDecimal": 1.5}])),  # fhirpathpy: Decimal
        ("Task.code", task(code={"coding": [EXTENSION, {"code": "c"}]})),  # list filtered
        (
            "Goal.target.due",
            {"resourceType": "Goal", "target": {"resourceType": "X", "dueDate": "1"}},
        ),
    ],
)
def test_inputs_fhirpathpy_answers_otherwise_fall_back_to_it(
    expression: str, resource: dict[str, Any]
) -> None:
    fast = fast_path(expression)
    assert fast is not None
    with pytest.raises(Fallback):
        fast(resource)
    assert extractor(expression)(resource) == general(expression)(resource)


@pytest.mark.parametrize(
    "expression",
    [
        "Task.owner | Task.requester",
        "Task.owner.exists()",
        "Task.restriction.period.end.length",
        "(Task.status)",
        "Task.input.value.text",  # a choice element not last
        "Task.identifier.where(system=%nhs)",
        "status",
    ],
)
def test_expressions_outside_the_subset_are_left_to_fhirpathpy(expression: str) -> None:
    assert fast_path(expression) is None
    resource = task(status="ready", owner={"reference": "A"}, requester={"reference": "B"})
    assert extractor(expression) is general(expression)
    if "%" not in expression:
        assert extractor(expression)(resource) == general(expression)(resource)


def test_a_resource_without_its_type_fails_as_fhirpathpy_does() -> None:
    fast = fast_path("Task.status")
    assert fast is not None
    with pytest.raises(KeyError):
        general("Task.status")({"status": "ready"})
    with pytest.raises(KeyError):
        fast({"status": "ready"})


def test_the_r4_model_is_fhirpathpys_own_read_without_importing_fhirpathpy() -> None:
    """The compiled steps take choice types and type paths from the same model fhirpathpy
    evaluates with, and a process that only stores resources never loads fhirpathpy."""
    assert models["r4"] == MODEL
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys; import carecoord_shared.store.indexing;"
         "from carecoord_shared.store.fhirpath_compiled import extractor;"
         "found = extractor('Task.owner.reference')({'resourceType': 'Task',"
         " 'owner': {'reference': 'Organization/x'}});"
         "print(found, 'fhirpathpy' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert loaded.stdout.strip() == "['Organization/x'] False"
