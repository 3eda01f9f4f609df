"""The compiled search expressions give exactly what fhirpathpy gives (issue 16).

For every declared expression and every demo and stored test resource, and seeded
variations of them (primitive extensions, lists for values, other choice types, floats,
nested resources, wrong types), the compiled form's answer is fhirpathpy's, value and
type, to the nested Decimal. The comparison itself is shown to catch a wrong compile.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest

from carecoord_shared.store import fhirpath_compiled
from carecoord_shared.store.fhirpath_compiled import Extractor, Fallback, fast_path, general
from shared.tests.unit.fhirpath_corpus import (
    Resource,
    corpus,
    declared_expressions,
    root_of,
    variations,
)


def typed(value: Any) -> Any:
    """`value` with every part's type beside it: 1.5 and Decimal('1.5') compare equal."""
    if isinstance(value, dict):
        return ("dict", [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, value)


def answer(extract: Extractor, resource: Resource) -> Any:
    try:
        return typed(extract(resource))
    except Fallback:
        raise
    except Exception as error:  # both must fail alike (a resource without resourceType)
        return ("raises", type(error).__name__)


def divergences(
    expression: str, fast: Extractor, resources: Iterable[Resource]
) -> tuple[list[tuple[Resource, Any, Any]], int, int]:
    """Where `fast` answers otherwise than fhirpathpy, with how many it answered and
    how many it left to fhirpathpy (`Fallback`)."""
    slow, wrong, answered, left = general(expression), [], 0, 0
    for resource in resources:
        try:
            got = answer(fast, resource)
        except Fallback:
            left += 1
            continue
        answered += 1
        want = answer(slow, resource)
        if got != want:
            wrong.append((resource, got, want))
    return wrong, answered, left


def about(expression: str, resources: Iterable[Resource]) -> list[Resource]:
    return [r for r in resources if r.get("resourceType") == root_of(expression)]


def test_every_declared_expression_compiles() -> None:
    expressions = declared_expressions()
    assert len(expressions) > 150
    assert [e for e in expressions if fast_path(e) is None] == []


def test_the_corpus_covers_the_declared_types() -> None:
    resources = corpus()
    types = {r["resourceType"] for r in resources}
    assert {"ServiceRequest", "Task", "CarePlan", "Patient", "Condition"} <= types
    answered = [e for e in declared_expressions() if any(general(e)(r) for r in resources)]
    assert len(answered) > 100  # most expressions find something in the corpus


@pytest.mark.parametrize("expression", declared_expressions())
def test_compiled_gives_what_fhirpathpy_gives_on_demo_and_test_resources(expression: str) -> None:
    fast = fast_path(expression)
    assert fast is not None
    resources = corpus()
    wrong, answered, left = divergences(expression, fast, resources)
    assert wrong == []
    assert left == 0, "ordinary resources never need fhirpathpy"
    assert answered == len(resources)


VARIED = tuple(variations(corpus(), per_resource=3, seed=16))


@pytest.mark.parametrize("expression", declared_expressions())
def test_compiled_gives_what_fhirpathpy_gives_on_variations(expression: str) -> None:
    fast = fast_path(expression)
    assert fast is not None
    resources = about(expression, VARIED)
    if not resources:
        pytest.skip(f"no resource of type {root_of(expression)} to vary")
    assert divergences(expression, fast, resources)[0] == []


def test_variations_reach_both_paths_and_the_corners() -> None:
    results = [general(e)(r) for e in declared_expressions() for r in about(e, VARIED)]
    odd = [v for found in results for v in found if isinstance(v, list | Decimal | None)]
    assert odd, "variations put lists, numbers and nulls where fhirpathpy returns them"
    answered = left = 0
    for expression in declared_expressions():
        fast = fast_path(expression)
        assert fast is not None
        _, more, fewer = divergences(expression, fast, about(expression, VARIED))
        answered, left = answered + more, left + fewer
    assert 0 < left < answered / 4, "a few variations are left to fhirpathpy, most are not"


def test_the_comparison_catches_a_wrong_compile() -> None:
    requests = about("ServiceRequest.requester", corpus())
    assert requests
    performer = fast_path("ServiceRequest.performer")
    assert performer is not None
    assert divergences("ServiceRequest.requester", performer, requests)[0]


def test_the_variations_catch_a_subtle_wrong_compile() -> None:
    """Choice types tried in the reverse order agree on ordinary resources (one type is
    there); only variations with two of them present tell the difference."""
    types = fhirpath_compiled.MODEL["choiceTypePaths"]["Condition.onset"]
    reversed_order = fhirpath_compiled._chain(
        "Condition", (fhirpath_compiled._choice(False, "onset", *reversed(types)),)
    )
    conditions = about("Condition.onset", corpus())
    assert divergences("Condition.onset", reversed_order, conditions)[0] == []
    varied = about("Condition.onset", VARIED)
    assert divergences("Condition.onset", reversed_order, varied)[0]
