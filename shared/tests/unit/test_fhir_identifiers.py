"""NHS numbers: the modulus 11 check digit, and finding every bad one in a resource."""

from __future__ import annotations

import pytest

from carecoord_shared.fhir.identifiers import (
    NHS_NUMBER_SYSTEM,
    is_valid_nhs_number,
    nhs_number_issues,
)


@pytest.mark.parametrize(
    "number",
    [
        "9990000018",  # 9*10+9*9+9*8+1*2 = 245, 245 % 11 = 3, check 11 - 3 = 8
        "9434765919",  # a published NHS Digital test number
        "9000000009",
        "9990000050",  # remainder 0: check digit 11 is written as 0
    ],
)
def test_numbers_with_a_correct_check_digit_are_valid(number: str) -> None:
    assert is_valid_nhs_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "9990000017",  # check digit off by one
        "9990000019",
        "9434765918",
        "9990000051",
    ],
)
def test_a_wrong_check_digit_is_invalid(number: str) -> None:
    assert not is_valid_nhs_number(number)


@pytest.mark.parametrize("tenth", list("0123456789"))
def test_a_number_whose_check_digit_would_be_ten_is_never_valid(tenth: str) -> None:
    # 999000014: 9*10 + 9*9 + 9*8 + 1*3 + 4*2 = 254, 254 % 11 = 1, so 11 - 1 = 10
    assert not is_valid_nhs_number("999000014" + tenth)


@pytest.mark.parametrize(
    "text",
    ["", "999000001", "99900000180", "999 000 0018", "999-000-0018", "99900000l8", " 9990000018"],
)
def test_anything_but_ten_digits_is_invalid(text: str) -> None:
    assert not is_valid_nhs_number(text)


def test_non_ascii_digits_are_not_an_nhs_number() -> None:
    assert not is_valid_nhs_number("٩٩٩٠٠٠٠٠١٨")  # 9990000018 in Arabic-Indic digits


def _identifier(value: str, system: str = NHS_NUMBER_SYSTEM) -> dict[str, str]:
    return {"system": system, "value": value}


def test_every_invalid_nhs_number_in_a_resource_is_reported_with_its_path() -> None:
    resource = {
        "resourceType": "ServiceRequest",
        "subject": {"identifier": _identifier("9990000017")},
        "identifier": [_identifier("x", "https://fhir.nhs.uk/Id/ubrn"), _identifier("123")],
        "contained": [{"resourceType": "Patient", "identifier": [_identifier("9990000018")]}],
    }

    issues = nhs_number_issues(resource)

    assert sorted(e for issue in issues for e in issue.expression) == [
        "ServiceRequest.identifier[1].value",
        "ServiceRequest.subject.identifier.value",
    ]
    assert {(issue.code, issue.severity) for issue in issues} == {("value", "error")}


def test_valid_numbers_and_other_identifier_systems_raise_no_issue() -> None:
    resource = {
        "resourceType": "Task",
        "for": {"identifier": _identifier("9990000018")},
        "identifier": [_identifier("9990000017", "https://fhir.nhs.uk/Id/ubrn")],
    }

    assert nhs_number_issues(resource) == []


def test_an_nhs_number_identifier_without_a_value_is_left_to_the_model() -> None:
    assert (
        nhs_number_issues(
            {"resourceType": "Task", "for": {"identifier": {"system": NHS_NUMBER_SYSTEM}}}
        )
        == []
    )
