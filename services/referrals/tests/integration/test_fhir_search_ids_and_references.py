"""Search over HTTP by reference (NHS number, typed and bare id), `_id` and `_lastUpdated`.

On the known caseload (tests/caseload.py), created once for the module on its own
database, so each search can be compared with exactly the set it must return.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.referrals.tests.bodies import NHS_NUMBER_SYSTEM
from services.referrals.tests.caseload import (
    FIRST_PATIENT,
    Caseload,
    matches,
    search,
)
from services.referrals.tests.conftest import Referrals


# -- references ----------------------------------------------------------------------------
async def test_reference_search_by_the_patients_nhs_number(
    referrals: Referrals, caseload: Caseload
) -> None:
    by_subject = {"subject:identifier": f"{NHS_NUMBER_SYSTEM}|{FIRST_PATIENT}"}
    by_patient = {"patient:identifier": f"{NHS_NUMBER_SYSTEM}|{caseload.second_patient}"}

    assert await matches(referrals, caseload, **by_subject) == {"chest_pain"}
    assert await matches(referrals, caseload, **by_patient) == {"breathless", "draft"}


async def test_reference_search_by_typed_and_bare_id(
    referrals: Referrals, caseload: Caseload
) -> None:
    typed = f"HealthcareService/{caseload.cardiology}"

    assert await matches(referrals, caseload, performer=typed) == {"chest_pain", "breathless"}
    assert await matches(referrals, caseload, performer=caseload.cardiology) == {
        "chest_pain",
        "breathless",
    }
    # Submission routes every request, so none is left without a performer.
    assert await matches(referrals, caseload, **{"performer:missing": "true"}) == set()
    assert "draft" in await matches(referrals, caseload, **{"performer:missing": "false"})


async def test_tasks_are_found_by_the_request_they_focus_on(
    referrals: Referrals, caseload: Caseload
) -> None:
    found = await search(
        referrals, caseload, "Task", focus=f"ServiceRequest/{caseload.chest_pain['id']}"
    )

    assert found == {"match": {"task:chest_pain"}}


# -- _id and _lastUpdated ------------------------------------------------------------------
async def test_id_search_returns_exactly_the_named_resources(
    referrals: Referrals, caseload: Caseload
) -> None:
    ids = f"{caseload.chest_pain['id']},{caseload.draft['id']},no-such-id"

    assert await matches(referrals, caseload, _id=ids) == {"chest_pain", "draft"}


async def test_last_updated_search_compares_with_when_resources_changed(
    referrals: Referrals, caseload: Caseload
) -> None:
    stamp = caseload.draft["meta"]["lastUpdated"]  # the last of the three to be created
    day = stamp[:10]

    assert await matches(referrals, caseload, _lastUpdated=f"ge{day}") == {
        "chest_pain",
        "breathless",
        "draft",
    }
    assert await matches(referrals, caseload, _lastUpdated=f"lt{day}") == set()
    assert await matches(referrals, caseload, _lastUpdated=f"gt{day}") == set()
    assert "draft" not in await matches(
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

    assert "chest_pain" in await matches(referrals, caseload, _lastUpdated=f"gt{instant(-2)}")
    assert "chest_pain" not in await matches(referrals, caseload, _lastUpdated=f"gt{instant(1)}")
    assert "chest_pain" in await matches(referrals, caseload, _lastUpdated=f"lt{instant(2)}")


async def test_last_updated_gt_an_instant_includes_a_change_one_microsecond_later(
    referrals: Referrals, caseload: Caseload
) -> None:
    stamp = caseload.breathless["meta"]["lastUpdated"]  # e.g. 2026-01-01T10:00:00.123456Z
    seconds, fraction = stamp[:-1].split(".")
    just_before = f"{seconds}.{int(fraction.ljust(6, '0')) - 1:06d}Z"

    assert "breathless" in await matches(referrals, caseload, _lastUpdated=f"gt{just_before}")
