"""Search index extraction: FHIR dates as UTC ranges, and FHIRPath values as index rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from carecoord_shared.fhir.registry import ResourceDefinition, SearchParam, nhs_number_at
from carecoord_shared.store.indexing import (
    IndexRow,
    date_range,
    index_rows,
    patient_nhs_of,
    rows_for_param,
)

NHS = "https://fhir.nhs.uk/Id/nhs-number"
SCT = "http://snomed.info/sct"
FLOOR = datetime.min.replace(tzinfo=UTC)
CEILING = datetime.max.replace(tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *rest: int) -> datetime:
    second, micro = (*rest, 0, 0)[:2]
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


# -- dates ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024", (utc(2024, 1, 1), utc(2025, 1, 1))),
        ("2024-02", (utc(2024, 2, 1), utc(2024, 3, 1))),  # leap year: 29 days
        ("2023-02", (utc(2023, 2, 1), utc(2023, 3, 1))),
        ("2024-12", (utc(2024, 12, 1), utc(2025, 1, 1))),
        ("2024-03-10", (utc(2024, 3, 10), utc(2024, 3, 11))),
        ("2024-12-31", (utc(2024, 12, 31), utc(2025, 1, 1))),
        ("2024-03-10T09:30Z", (utc(2024, 3, 10, 9, 30), utc(2024, 3, 10, 9, 31))),
        ("2024-03-10T09:30:15Z", (utc(2024, 3, 10, 9, 30, 15), utc(2024, 3, 10, 9, 30, 16))),
        ("2024-03-10T09:30:15+01:00", (utc(2024, 3, 10, 8, 30, 15), utc(2024, 3, 10, 8, 30, 16))),
        ("2024-03-10T23:30:00-05:30", (utc(2024, 3, 11, 5, 0), utc(2024, 3, 11, 5, 0, 1))),
        ("2024-03-10T00:30:00+01:00", (utc(2024, 3, 9, 23, 30), utc(2024, 3, 9, 23, 30, 1))),
    ],
)
def test_a_fhir_date_covers_the_half_open_utc_range_of_its_precision(
    text: str, expected: tuple[datetime, datetime]
) -> None:
    assert date_range(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2024-03-10T09:30:15.250Z",
            (utc(2024, 3, 10, 9, 30, 15, 250_000), utc(2024, 3, 10, 9, 30, 15, 251_000)),
        ),
        (
            "2024-03-10T09:30:15.123456Z",
            (utc(2024, 3, 10, 9, 30, 15, 123_456), utc(2024, 3, 10, 9, 30, 15, 123_457)),
        ),
    ],
)
def test_fractional_seconds_narrow_the_range_to_their_precision(
    text: str, expected: tuple[datetime, datetime]
) -> None:
    assert date_range(text) == expected


@pytest.mark.parametrize(
    "text", ["", "24", "2024/03/10", "10-03-2024", "2024-3-1", "2024-03-10 09:30", "tomorrow"]
)
def test_text_that_is_not_a_fhir_date_has_no_range(text: str) -> None:
    assert date_range(text) is None


@pytest.mark.parametrize("text", ["2024-02-30", "2024-13", "2024-00-10", "2024-03-10T25:00Z"])
def test_a_date_that_is_not_on_the_calendar_has_no_range(text: str) -> None:
    assert date_range(text) is None


# -- FHIRPath extraction -------------------------------------------------------------------
REQUEST = ResourceDefinition(
    "ServiceRequest",
    patient_nhs=nhs_number_at("ServiceRequest.subject"),
    search_params=(
        SearchParam("identifier", "token", "ServiceRequest.identifier"),
        SearchParam("status", "token", "ServiceRequest.status"),
        SearchParam("category", "token", "ServiceRequest.category"),
        SearchParam("do-not-perform", "token", "ServiceRequest.doNotPerform"),
        SearchParam("subject", "reference", "ServiceRequest.subject", ("Patient",)),
        SearchParam("performer", "reference", "ServiceRequest.performer"),
        SearchParam("authored", "date", "ServiceRequest.authoredOn"),
        SearchParam("occurrence", "date", "ServiceRequest.occurrence"),
        SearchParam("text", "string", "ServiceRequest.note.text"),
        SearchParam("ubrn", "token", "ServiceRequest.identifier.where(system='urn:ubrn').value"),
    ),
)


def _request(**extra: object) -> dict[str, object]:
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "subject": {"identifier": {"system": NHS, "value": "9990000018"}},
        **extra,
    }


def _rows(name: str, resource: dict[str, object]) -> set[IndexRow]:
    param = REQUEST.param(name)
    assert param is not None
    return set(rows_for_param(param, resource))


def test_identifiers_index_system_and_value() -> None:
    resource = _request(
        identifier=[{"system": "urn:ubrn", "value": "A1"}, {"system": "urn:other", "value": "B2"}]
    )

    assert _rows("identifier", resource) == {
        IndexRow("identifier", system="urn:ubrn", value="A1"),
        IndexRow("identifier", system="urn:other", value="B2"),
    }


def test_a_fhirpath_where_clause_selects_only_matching_values() -> None:
    resource = _request(
        identifier=[{"system": "urn:ubrn", "value": "A1"}, {"system": "urn:other", "value": "B2"}]
    )

    assert _rows("ubrn", resource) == {IndexRow("ubrn", value="A1")}


def test_a_codeable_concept_indexes_every_coding() -> None:
    resource = _request(
        category=[
            {"coding": [{"system": SCT, "code": "3457005"}, {"system": "urn:local", "code": "ag"}]},
            {"text": "free text only"},
        ]
    )

    assert _rows("category", resource) == {
        IndexRow("category", system=SCT, value="3457005"),
        IndexRow("category", system="urn:local", value="ag"),
    }


def test_codes_and_booleans_index_as_plain_tokens() -> None:
    resource = _request(doNotPerform=True)

    assert _rows("status", resource) == {IndexRow("status", value="active")}
    assert _rows("do-not-perform", resource) == {IndexRow("do-not-perform", value="true")}


def test_a_reference_indexes_its_literal_reference_and_its_logical_identifier() -> None:
    resource = _request(
        subject={
            "reference": "Patient/p1",
            "identifier": {"system": NHS, "value": "9990000018"},
        }
    )

    assert _rows("subject", resource) == {
        IndexRow("subject", value="Patient/p1"),
        IndexRow("subject:identifier", system=NHS, value="9990000018"),
    }


def test_a_date_time_indexes_as_its_range() -> None:
    assert _rows("authored", _request(authoredOn="2024-03-10")) == {
        IndexRow("authored", lo=utc(2024, 3, 10), hi=utc(2024, 3, 11))
    }


def test_a_period_indexes_from_its_start_to_the_end_of_its_end() -> None:
    resource = _request(occurrencePeriod={"start": "2024-03-10", "end": "2024-03-12T10:00:00Z"})

    assert _rows("occurrence", resource) == {
        IndexRow("occurrence", lo=utc(2024, 3, 10), hi=utc(2024, 3, 12, 10, 0, 1))
    }


def test_an_open_period_extends_to_the_end_of_time() -> None:
    assert _rows("occurrence", _request(occurrencePeriod={"start": "2024-03-10"})) == {
        IndexRow("occurrence", lo=utc(2024, 3, 10), hi=CEILING)
    }
    assert _rows("occurrence", _request(occurrencePeriod={"end": "2024"})) == {
        IndexRow("occurrence", lo=FLOOR, hi=utc(2025, 1, 1))
    }


def test_strings_are_folded_for_case_insensitive_matching() -> None:
    resource = _request(note=[{"text": "Chest PAIN on Exertion"}, {"text": "Straße"}])

    assert _rows("text", resource) == {
        IndexRow("text", value="chest pain on exertion", exact="Chest PAIN on Exertion"),
        IndexRow("text", value="strasse", exact="Straße"),
    }


def test_index_rows_cover_every_declared_parameter_without_duplicates() -> None:
    resource = _request(
        identifier=[{"system": "urn:ubrn", "value": "A1"}],
        performer=[{"reference": "HealthcareService/h1"}, {"reference": "HealthcareService/h1"}],
    )

    rows = index_rows(REQUEST, resource)

    assert sorted((r.param, r.value) for r in rows) == [
        ("authored:sort", None),  # a date parameter's sort key, even without a value
        ("identifier", "A1"),
        ("occurrence:sort", None),
        ("performer", "HealthcareService/h1"),
        ("status", "active"),
        ("subject:identifier", "9990000018"),
        ("ubrn", "A1"),
    ]


def test_a_date_parameters_sort_key_is_its_earliest_start_or_the_floor() -> None:
    resource = _request(authoredOn="2024-03-10", occurrencePeriod={"end": "2024-05-01"})
    none = _request()

    keys = {r.param: r.lo for r in index_rows(REQUEST, resource) if r.param.endswith(":sort")}
    assert keys == {"authored:sort": utc(2024, 3, 10), "occurrence:sort": FLOOR}
    assert {r.lo for r in index_rows(REQUEST, none) if r.param.endswith(":sort")} == {FLOOR}


def test_the_patient_of_a_resource_is_the_nhs_number_of_its_subject() -> None:
    assert patient_nhs_of(REQUEST, _request()) == "9990000018"
    assert patient_nhs_of(REQUEST, _request(subject={"reference": "Group/g1"})) is None
    assert (
        patient_nhs_of(ResourceDefinition("Organization"), {"resourceType": "Organization"}) is None
    )
