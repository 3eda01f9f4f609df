"""Search parameters over HTTP: includes, tokens, dates and strings.

The known caseload (tests/caseload.py) is created once for the module on its own
database, so each search can be compared with exactly the set it must return;
references, `_id` and `_lastUpdated` are in test_fhir_search_ids_and_references.
"""

from __future__ import annotations

import pytest

from services.referrals.tests.caseload import (
    LOCAL,
    SCT,
    Caseload,
    matches,
    search,
)
from services.referrals.tests.conftest import Referrals


# -- includes ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resource_type", "named", "control", "expected"),
    [
        pytest.param(
            "ServiceRequest",
            ("chest_pain", "breathless"),
            {"_include": "ServiceRequest:performer"},
            {"match": {"chest_pain", "breathless"}, "include": {"cardiology"}},
            id="include-performer-returns-the-healthcare-service",
        ),
        pytest.param(
            "ServiceRequest",
            ("chest_pain",),
            {"_include": "ServiceRequest:performer:Organization"},
            {"match": {"chest_pain"}},
            id="include-with-a-target-type-that-does-not-match-includes-nothing",
        ),
        pytest.param(
            "ServiceRequest",
            ("chest_pain", "breathless"),
            {"_revinclude": "Task:focus"},
            {
                "match": {"chest_pain", "breathless"},
                "include": {"task:chest_pain", "task:breathless"},
            },
            id="revinclude-returns-the-tasks-that-point-at-the-requests",
        ),
        pytest.param(
            "HealthcareService",
            ("cardiology",),
            {"_revinclude": "ServiceRequest:performer"},
            {"match": {"cardiology"}, "include": {"chest_pain", "breathless"}},
            id="revinclude-of-requests-on-the-service-returns-the-requests-it-performs",
        ),
    ],
)
async def test_include_and_revinclude_add_exactly_what_the_references_reach(
    referrals: Referrals,
    caseload: Caseload,
    resource_type: str,
    named: tuple[str, ...],
    control: dict[str, str],
    expected: dict[str, set[str]],
) -> None:
    found = await search(referrals, caseload, resource_type, _id=caseload.ids(*named), **control)

    assert found == expected


# -- tokens --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"{SCT}|3457005", {"chest_pain", "breathless"}),
        ("3457005", {"chest_pain", "breathless", "draft"}),
        (f"{LOCAL}|", {"draft"}),
        ("|gp-only", {"draft"}),
        ("|3457005", set()),
        (f"{SCT}|3457005,{LOCAL}|3457005", {"chest_pain", "breathless", "draft"}),
        (f"{SCT}|0000", set()),
    ],
)
async def test_token_search_by_system_and_code(
    referrals: Referrals, caseload: Caseload, value: str, expected: set[str]
) -> None:
    assert await matches(referrals, caseload, category=value) == expected


async def test_token_not_modifier_excludes_the_code(
    referrals: Referrals, caseload: Caseload
) -> None:
    assert await matches(referrals, caseload, status="draft") == {"draft"}
    assert await matches(referrals, caseload, **{"status:not": "draft"}) == {
        "chest_pain",
        "breathless",
    }


# -- dates ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01", {"chest_pain"}),
        ("eq2024-03-01", {"chest_pain"}),
        ("eq2024-03-02", {"breathless"}),
        ("eq2024-03", {"chest_pain", "breathless"}),
        ("ge2024-03-01", {"chest_pain", "breathless"}),
        ("gt2024-03-01", {"breathless"}),
        ("lt2024-03-01", {"draft"}),
        ("le2024-02-28", {"draft"}),
        ("ne2024-03-01", {"breathless", "draft"}),
        ("ge2024-03-01T09:30:00Z", {"chest_pain", "breathless"}),
        ("lt2024-03-01T09:30:00Z", {"draft"}),
        ("2024-03-01T10:30:00+01:00", {"chest_pain"}),
        ("sa2024-03-01", {"breathless"}),
        ("eb2024-03-01", {"draft"}),
        ("2024-03-01,2024-02-28", {"chest_pain", "draft"}),
    ],
)
async def test_date_search_with_prefixes(
    referrals: Referrals, caseload: Caseload, value: str, expected: set[str]
) -> None:
    assert await matches(referrals, caseload, authored=value) == expected


async def test_two_date_parameters_must_both_hold(referrals: Referrals, caseload: Caseload) -> None:
    response = await referrals.client.get(
        "/fhir/ServiceRequest?authored=ge2024-03-01&authored=lt2024-03-02",
        headers=referrals.auth(),
    )

    assert [caseload.name(e["resource"]["id"]) for e in response.json()["entry"]] == ["chest_pain"]


# -- strings -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"text": "chest"}, {"chest_pain"}),
        ({"text": "CHEST pain"}, {"chest_pain"}),
        ({"text": "pain"}, set()),
        ({"text:contains": "PAIN"}, {"chest_pain"}),
        ({"text:contains": "100%"}, {"breathless"}),
        ({"text": "%"}, set()),
        ({"text": "_hest"}, set()),
        ({"text:exact": "Chest pain on exertion"}, {"chest_pain"}),
    ],
)
async def test_string_search_starts_with_ignoring_case_and_wildcards(
    referrals: Referrals, caseload: Caseload, params: dict[str, str], expected: set[str]
) -> None:
    assert await matches(referrals, caseload, **params) == expected


async def test_string_exact_modifier_is_case_sensitive(
    referrals: Referrals, caseload: Caseload
) -> None:
    assert await matches(referrals, caseload, **{"text:exact": "chest pain on exertion"}) == set()
