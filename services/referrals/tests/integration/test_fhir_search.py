"""Search parameters over HTTP: tokens, dates, strings, references, includes.

One small, known directory and caseload is created once for the module on its own
database, so each search can be compared with exactly the set it must return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.referrals.tests.bodies import (
    NHS_NUMBER_SYSTEM,
    REQUEST_CATEGORY,
    service_request,
)
from services.referrals.tests.conftest import (
    Referrals,
    new_nhs_number,
)

SCT = "http://snomed.info/sct"
LOCAL = "urn:carecoord:test:category"
FIRST_PATIENT = "9990000018"


@dataclass(frozen=True, slots=True)
class Caseload:
    cardiology: str
    chest_pain: dict[str, Any]
    breathless: dict[str, Any]
    draft: dict[str, Any]
    tasks: dict[str, str]
    second_patient: str

    def name(self, resource_id: str) -> str:
        names = {
            self.chest_pain["id"]: "chest_pain",
            self.breathless["id"]: "breathless",
            self.draft["id"]: "draft",
            self.cardiology: "cardiology",
        }
        names.update({task: f"task:{names[focus]}" for focus, task in self.tasks.items()})
        return names.get(resource_id, resource_id)


@pytest.fixture(scope="module")
async def caseload(referrals: Referrals) -> Caseload:
    service = await referrals.create(
        {"resourceType": "HealthcareService", "name": "Cardiology Advice", "active": True}
    )
    performer = f"HealthcareService/{service['id']}"
    second = new_nhs_number()
    chest_pain = await referrals.create(
        service_request(
            FIRST_PATIENT,
            performer=performer,
            authored="2024-03-01T09:30:00Z",
            note="Chest pain on exertion",
        )
    )
    # 00:30 on 3 March in UTC+1 is 23:30 on 2 March in UTC.
    breathless = await referrals.create(
        service_request(
            second,
            performer=performer,
            authored="2024-03-03T00:30:00+01:00",
            note="Breathless at night, 100% worse",
        )
    )
    draft_body = service_request(second, authored="2024-02-28")
    draft_body["status"] = "draft"
    draft_body["category"] = [
        {"coding": [{"system": LOCAL, "code": "3457005"}, {"code": "gp-only"}]},
        {"coding": [{"system": REQUEST_CATEGORY, "code": "advice-and-guidance"}]},
    ]
    draft = await referrals.create(draft_body)
    tasks = {}
    for request in (chest_pain, breathless, draft):  # submission made each its triage Task
        found = await referrals.client.get(
            "/fhir/Task",
            params={"focus": f"ServiceRequest/{request['id']}"},
            headers=referrals.auth(),
        )
        (entry,) = found.json()["entry"]
        tasks[request["id"]] = entry["resource"]["id"]
    return Caseload(service["id"], chest_pain, breathless, draft, tasks, second)


async def _search(
    referrals: Referrals, caseload: Caseload, resource_type: str = "ServiceRequest", **params: str
) -> dict[str, set[str]]:
    """The names of what a search returned, by search mode."""
    response = await referrals.client.get(
        f"/fhir/{resource_type}", params=params, headers=referrals.auth()
    )
    assert response.status_code == 200, response.text
    found: dict[str, set[str]] = {}
    for entry in response.json().get("entry", []):
        found.setdefault(entry["search"]["mode"], set()).add(
            caseload.name(entry["resource"].get("id", ""))
        )
    return found


async def _matches(referrals: Referrals, caseload: Caseload, **params: str) -> set[str]:
    return (await _search(referrals, caseload, **params)).get("match", set())


# -- includes ------------------------------------------------------------------------------
async def test_include_performer_returns_the_healthcare_service_as_an_include(
    referrals: Referrals, caseload: Caseload
) -> None:
    found = await _search(
        referrals,
        caseload,
        _id=f"{caseload.chest_pain['id']},{caseload.breathless['id']}",
        _include="ServiceRequest:performer",
    )

    assert found == {"match": {"chest_pain", "breathless"}, "include": {"cardiology"}}


async def test_include_with_a_target_type_that_does_not_match_includes_nothing(
    referrals: Referrals, caseload: Caseload
) -> None:
    found = await _search(
        referrals,
        caseload,
        _id=caseload.chest_pain["id"],
        _include="ServiceRequest:performer:Organization",
    )

    assert found == {"match": {"chest_pain"}}


async def test_revinclude_returns_the_tasks_that_point_at_the_requests(
    referrals: Referrals, caseload: Caseload
) -> None:
    found = await _search(
        referrals,
        caseload,
        _id=f"{caseload.chest_pain['id']},{caseload.breathless['id']}",
        _revinclude="Task:focus",
    )

    assert found == {
        "match": {"chest_pain", "breathless"},
        "include": {"task:chest_pain", "task:breathless"},
    }


async def test_revinclude_of_requests_on_the_service_returns_the_requests_it_performs(
    referrals: Referrals, caseload: Caseload
) -> None:
    found = await _search(
        referrals,
        caseload,
        "HealthcareService",
        _id=caseload.cardiology,
        _revinclude="ServiceRequest:performer",
    )

    assert found == {"match": {"cardiology"}, "include": {"chest_pain", "breathless"}}


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
    assert await _matches(referrals, caseload, category=value) == expected


async def test_token_not_modifier_excludes_the_code(
    referrals: Referrals, caseload: Caseload
) -> None:
    assert await _matches(referrals, caseload, status="draft") == {"draft"}
    assert await _matches(referrals, caseload, **{"status:not": "draft"}) == {
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
    assert await _matches(referrals, caseload, authored=value) == expected


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
    assert await _matches(referrals, caseload, **params) == expected


async def test_string_exact_modifier_is_case_sensitive(
    referrals: Referrals, caseload: Caseload
) -> None:
    assert await _matches(referrals, caseload, **{"text:exact": "chest pain on exertion"}) == set()


# -- references ----------------------------------------------------------------------------
async def test_reference_search_by_the_patients_nhs_number(
    referrals: Referrals, caseload: Caseload
) -> None:
    by_subject = {"subject:identifier": f"{NHS_NUMBER_SYSTEM}|{FIRST_PATIENT}"}
    by_patient = {"patient:identifier": f"{NHS_NUMBER_SYSTEM}|{caseload.second_patient}"}

    assert await _matches(referrals, caseload, **by_subject) == {"chest_pain"}
    assert await _matches(referrals, caseload, **by_patient) == {"breathless", "draft"}


async def test_reference_search_by_typed_and_bare_id(
    referrals: Referrals, caseload: Caseload
) -> None:
    typed = f"HealthcareService/{caseload.cardiology}"

    assert await _matches(referrals, caseload, performer=typed) == {"chest_pain", "breathless"}
    assert await _matches(referrals, caseload, performer=caseload.cardiology) == {
        "chest_pain",
        "breathless",
    }
    # Submission routes every request, so none is left without a performer.
    assert await _matches(referrals, caseload, **{"performer:missing": "true"}) == set()
    assert "draft" in await _matches(referrals, caseload, **{"performer:missing": "false"})


async def test_tasks_are_found_by_the_request_they_focus_on(
    referrals: Referrals, caseload: Caseload
) -> None:
    found = await _search(
        referrals, caseload, "Task", focus=f"ServiceRequest/{caseload.chest_pain['id']}"
    )

    assert found == {"match": {"task:chest_pain"}}


# -- _id and _lastUpdated ------------------------------------------------------------------
async def test_id_search_returns_exactly_the_named_resources(
    referrals: Referrals, caseload: Caseload
) -> None:
    ids = f"{caseload.chest_pain['id']},{caseload.draft['id']},no-such-id"

    assert await _matches(referrals, caseload, _id=ids) == {"chest_pain", "draft"}


async def test_last_updated_search_compares_with_when_resources_changed(
    referrals: Referrals, caseload: Caseload
) -> None:
    stamp = caseload.draft["meta"]["lastUpdated"]  # the last of the three to be created
    day = stamp[:10]

    assert await _matches(referrals, caseload, _lastUpdated=f"ge{day}") == {
        "chest_pain",
        "breathless",
        "draft",
    }
    assert await _matches(referrals, caseload, _lastUpdated=f"lt{day}") == set()
    assert await _matches(referrals, caseload, _lastUpdated=f"gt{day}") == set()
    assert "draft" not in await _matches(
        referrals, caseload, _lastUpdated=f"lt{caseload.chest_pain['meta']['lastUpdated']}"
    )


async def test_last_updated_gt_an_instant_finds_only_later_changes(
    referrals: Referrals, caseload: Caseload
) -> None:
    url = f"/fhir/ServiceRequest/{caseload.chest_pain['id']}"
    body = {**caseload.chest_pain, "priority": "urgent"}
    revised = await referrals.client.put(url, json=body, headers=referrals.write_headers())
    assert revised.status_code == 200
    changed = datetime.fromisoformat(revised.json()["meta"]["lastUpdated"]).replace(microsecond=0)

    def instant(offset_s: int) -> str:
        return (changed + timedelta(seconds=offset_s)).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert "chest_pain" in await _matches(referrals, caseload, _lastUpdated=f"gt{instant(-2)}")
    assert "chest_pain" not in await _matches(referrals, caseload, _lastUpdated=f"gt{instant(1)}")
    assert "chest_pain" in await _matches(referrals, caseload, _lastUpdated=f"lt{instant(2)}")


async def test_last_updated_gt_an_instant_includes_a_change_one_microsecond_later(
    referrals: Referrals, caseload: Caseload
) -> None:
    stamp = caseload.breathless["meta"]["lastUpdated"]  # e.g. 2026-01-01T10:00:00.123456Z
    seconds, fraction = stamp[:-1].split(".")
    just_before = f"{seconds}.{int(fraction.ljust(6, '0')) - 1:06d}Z"

    assert "breathless" in await _matches(referrals, caseload, _lastUpdated=f"gt{just_before}")
