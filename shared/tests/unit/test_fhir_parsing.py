"""The FHIR version seam: bodies become validated R4 resources or precise 400 outcomes."""

from __future__ import annotations

import pytest

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.parsing import fhirpath_of, is_known_resource_type, parse_resource

VALID = (
    b'{"resourceType":"ServiceRequest","status":"active","intent":"order",'
    b'"subject":{"reference":"Patient/p1"}}'
)


def _refused(body: bytes, expected: str | None = "ServiceRequest") -> FhirError:
    with pytest.raises(FhirError) as caught:
        parse_resource(body, expected)
    assert caught.value.status == 400
    return caught.value


def _codes_and_paths(error: FhirError) -> list[tuple[str, tuple[str, ...]]]:
    return [(issue.code, issue.expression) for issue in error.issues]


def test_a_valid_resource_comes_back_as_the_callers_json() -> None:
    parsed = parse_resource(VALID, "ServiceRequest")

    assert parsed["intent"] == "order"
    assert parsed["subject"] == {"reference": "Patient/p1"}


@pytest.mark.parametrize("body", [b"{not json", b"", b'{"a":1', b"\xff\xfe"])
def test_a_body_that_is_not_json_is_a_structure_error(body: bytes) -> None:
    assert _codes_and_paths(_refused(body)) == [("structure", ())]


@pytest.mark.parametrize("body", [b"[]", b"null", b'"ServiceRequest"', b"42"])
def test_json_that_is_not_an_object_is_a_structure_error(body: bytes) -> None:
    assert _codes_and_paths(_refused(body)) == [("structure", ())]


def test_a_resource_without_resource_type_is_a_required_error() -> None:
    assert _codes_and_paths(_refused(b'{"status":"active"}')) == [("required", ("resourceType",))]


def test_a_resource_of_another_type_than_the_endpoint_points_at_resource_type() -> None:
    error = _refused(b'{"resourceType":"Task","status":"requested","intent":"order"}')

    assert _codes_and_paths(error) == [("invalid", ("resourceType",))]


def test_an_unknown_resource_type_points_at_resource_type() -> None:
    error = _refused(b'{"resourceType":"Referral"}', expected=None)

    assert _codes_and_paths(error) == [("invalid", ("resourceType",))]
    assert not is_known_resource_type("Referral")
    assert is_known_resource_type("ServiceRequest")


def test_a_missing_required_element_is_reported_at_its_fhirpath() -> None:
    error = _refused(
        b'{"resourceType":"ServiceRequest","status":"active","subject":{"reference":"Patient/1"}}'
    )

    assert _codes_and_paths(error) == [("required", ("ServiceRequest.intent",))]


def test_an_unknown_element_is_a_structure_error_at_its_fhirpath() -> None:
    error = _refused(VALID[:-1] + b',"triageNotes":"x"}')

    assert _codes_and_paths(error) == [("structure", ("ServiceRequest.triageNotes",))]


def test_a_bad_value_deep_in_a_list_names_the_list_index() -> None:
    error = _refused(VALID[:-1] + b',"note":[{"text":"ok"},{"text":5}]}')

    assert _codes_and_paths(error) == [("value", ("ServiceRequest.note[1].text",))]


def test_an_impossible_date_is_a_value_error() -> None:
    error = _refused(VALID[:-1] + b',"authoredOn":"2024-02-30"}')

    assert _codes_and_paths(error) == [("value", ("ServiceRequest.authoredOn",))]


def test_outcome_texts_never_echo_the_submitted_value() -> None:
    error = _refused(VALID[:-1] + b',"authoredOn":"secret-9990000018"}')

    assert all("9990000018" not in issue.diagnostics for issue in error.issues)


def test_fhirpath_of_joins_names_and_indexes_and_drops_validator_tags() -> None:
    assert fhirpath_of("ServiceRequest", ("note", 0, "text")) == "ServiceRequest.note[0].text"
    assert fhirpath_of("Task", ("function-after[validate(), Task]", "for")) == "Task.for"
    assert fhirpath_of("Task", ()) == "Task"
