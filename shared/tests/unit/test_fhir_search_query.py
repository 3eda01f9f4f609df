"""Search query parsing: declared parameters, result controls, strict vs lenient handling."""

from __future__ import annotations

import pytest

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.registry import FhirRegistry, ResourceDefinition, SearchParam
from carecoord_shared.fhir.subsetting import Subset
from carecoord_shared.store.search import (
    MAX_COUNT,
    Criterion,
    IncludeSpec,
    SearchQuery,
    parse_query,
)

REGISTRY = FhirRegistry("demo").add(
    ResourceDefinition(
        "ServiceRequest",
        search_params=(
            SearchParam("status", "token", "ServiceRequest.status"),
            SearchParam("subject", "reference", "ServiceRequest.subject", ("Patient",)),
            SearchParam(
                "performer", "reference", "ServiceRequest.performer", ("HealthcareService",)
            ),
            SearchParam("authored", "date", "ServiceRequest.authoredOn"),
            SearchParam("text", "string", "ServiceRequest.note.text"),
        ),
    ),
    ResourceDefinition(
        "Task",
        search_params=(SearchParam("focus", "reference", "Task.focus", ("ServiceRequest",)),),
    ),
)
REQUEST = REGISTRY.definitions["ServiceRequest"]


def _parse(*items: tuple[str, str], strict: bool = False) -> SearchQuery:
    query, _ = parse_query(REGISTRY, REQUEST, list(items), strict=strict)
    return query


def _refusal(*items: tuple[str, str], strict: bool = False) -> tuple[int, str, tuple[str, ...]]:
    with pytest.raises(FhirError) as caught:
        parse_query(REGISTRY, REQUEST, list(items), strict=strict)
    (issue,) = caught.value.issues
    return caught.value.status, issue.code, issue.expression


def test_declared_parameters_become_criteria_with_modifiers_and_or_values() -> None:
    query = _parse(("status", "active,draft"), ("subject:identifier", "s|v"), ("_id", "a"))

    assert query.criteria == [
        Criterion("status", None, ("active", "draft")),
        Criterion("subject", "identifier", ("s|v",)),
        Criterion("_id", None, ("a",)),
    ]


@pytest.mark.parametrize(("raw", "count"), [("10", 10), ("100", 100), ("101", 100), ("5000", 100)])
def test_count_is_capped_at_one_hundred(raw: str, count: int) -> None:
    assert MAX_COUNT == 100
    assert _parse(("_count", raw)).count == count


def test_count_zero_asks_for_the_total_only() -> None:
    assert _parse(("_count", "0")).summary_count


@pytest.mark.parametrize("raw", ["ten", "-1", "1.5", ""])
def test_a_count_that_is_not_a_whole_number_is_a_400(raw: str) -> None:
    assert _refusal(("_count", raw)) == (400, "value", ("_count",))


def test_a_count_of_non_ascii_digits_is_a_400() -> None:
    assert _refusal(("_count", "²"))[0] == 400


def test_sort_takes_one_declared_key_and_a_direction() -> None:
    assert _parse(("_sort", "-authored")).sort == ("authored", True)
    assert _parse(("_sort", "_lastUpdated,status")).sort == ("_lastUpdated", False)


def test_sorting_by_an_undeclared_key_is_refused() -> None:
    assert _refusal(("_sort", "colour")) == (400, "not-supported", ("_sort",))


def test_summary_and_elements_ask_for_a_subset_of_each_resource() -> None:
    assert _parse(("_summary", "count")).summary_count
    assert _parse(("_summary", "count")).subset is None
    assert _parse(("_summary", "false")).subset is None
    assert _parse(("_summary", "data")).subset == Subset(summary="data")
    assert _parse(("_summary", "true")).subset == Subset(summary="true")
    elements = _parse(("_elements", "status,subject"), ("_elements", "note"), strict=True)
    assert elements.subset == Subset(elements=frozenset({"status", "subject", "note"}))
    assert ("_elements", "status,subject") in elements.link_params


def test_a_choice_element_is_named_without_its_type() -> None:
    assert _parse(("_elements", "occurrence"), strict=True).subset == Subset(
        elements=frozenset({"occurrence"})
    )


def test_summary_and_elements_refusals() -> None:
    assert _refusal(("_summary", "brief")) == (400, "value", ("_summary",))
    combined = (("_summary", "true"), ("_elements", "status"))
    assert _refusal(*combined) == (400, "not-supported", ("_elements",))
    assert _refusal(("_summary", "count"), ("_elements", "status"))[0] == 400
    unknown = ("_elements", "status,colour")
    assert _refusal(unknown, strict=True) == (400, "not-supported", ("_elements",))
    text_with_include = (("_summary", "text"), ("_include", "ServiceRequest:performer"))
    assert _refusal(*text_with_include)[0] == 400


def test_an_unknown_element_is_ignored_with_a_warning_when_lenient() -> None:
    query, warnings = parse_query(REGISTRY, REQUEST, [("_elements", "status,colour")], strict=False)

    assert query.subset == Subset(elements=frozenset({"status"}))
    assert [w.severity for w in warnings] == ["warning"]
    assert "colour" in warnings[0].diagnostics


def test_includes_must_name_a_declared_reference_of_the_searched_type() -> None:
    query = _parse(
        ("_include", "ServiceRequest:performer"),
        ("_include", "ServiceRequest:performer:HealthcareService"),
        ("_revinclude", "Task:focus"),
    )

    assert query.includes == [
        IncludeSpec("ServiceRequest", "performer", None),
        IncludeSpec("ServiceRequest", "performer", "HealthcareService"),
    ]
    assert query.revincludes == [IncludeSpec("Task", "focus", None)]


@pytest.mark.parametrize(
    "value", ["Task:focus", "ServiceRequest:status", "ServiceRequest:nothing", "Unknown:x"]
)
def test_an_unsupported_include_is_refused(value: str) -> None:
    assert _refusal(("_include", value))[:2] == (400, "not-supported")


def test_a_malformed_include_is_a_value_error() -> None:
    assert _refusal(("_include", "ServiceRequest"))[:2] == (400, "value")


def test_an_unknown_parameter_is_refused_under_strict_handling() -> None:
    status, code, _ = _refusal(("colour", "red"), strict=True)

    assert (status, code) == (400, "not-supported")


def test_an_unknown_parameter_is_ignored_reported_and_left_out_of_links_when_lenient() -> None:
    query, warnings = parse_query(
        REGISTRY, REQUEST, [("status", "active"), ("colour", "red")], strict=False
    )

    assert query.criteria == [Criterion("status", None, ("active",))]
    assert query.link_params == [("status", "active")]
    assert [(w.code, w.severity) for w in warnings] == [("not-supported", "warning")]
    assert "colour" in warnings[0].diagnostics


def test_the_cursor_is_decoded_but_kept_out_of_the_links() -> None:
    query = _parse(("status", "active"), ("_cursor", "WyIyMDI0IiwgNV0"))

    assert query.cursor == ["2024", 5]
    assert query.link_params == [("status", "active")]


@pytest.mark.parametrize("raw", ["%%%", "bm90IGpzb24", "WzFd", "eyJhIjoxfQ"])
def test_a_tampered_cursor_is_a_400(raw: str) -> None:
    assert _refusal(("_cursor", raw)) == (400, "value", ("_cursor",))


def test_format_is_accepted_and_ignored() -> None:
    query = _parse(("_format", "json"))

    assert query.criteria == []


def test_an_unsupported_modifier_is_refused() -> None:
    assert _refusal(("status:above", "active"), strict=True)[0] == 400
