"""Another practice finds nothing about a patient registered elsewhere.

A GP at practice B gets 404 on reads, changes and deletes of practice A's patient's
records, empty searches, and nothing through `_include` or `_revinclude`; a patient
sees their own request and no one else's.
"""

from __future__ import annotations

import pytest

from services.referrals.tests.bodies import NHS_NUMBER_SYSTEM
from services.referrals.tests.conftest import Referrals, new_nhs_number, outcome_codes
from services.referrals.tests.two_practices import (
    Referral,
    as_gp,
    ids,
)


# -- another practice sees nothing ---------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/fhir/ServiceRequest/{request}",
        "/fhir/ServiceRequest/{request}/_history/1",
        "/fhir/ServiceRequest/{request}/_history",
        "/fhir/Task/{task}",
    ],
)
async def test_another_practice_cannot_read_the_patients_records(
    referrals: Referrals, referral: Referral, path: str
) -> None:
    url = path.format(request=referral.request["id"], task=referral.task_id)

    response = await referrals.client.get(url, headers=as_gp(referrals, "B"))

    assert response.status_code == 404
    assert outcome_codes(response) == ["not-found"]


@pytest.mark.parametrize(
    ("resource_type", "params"),
    [
        ("ServiceRequest", {}),
        ("ServiceRequest", {"subject:identifier": f"{NHS_NUMBER_SYSTEM}|{{patient}}"}),
        ("ServiceRequest", {"_id": "{request}"}),
        ("ServiceRequest", {"_id": "{request}", "_revinclude": "Task:focus"}),
        ("Task", {"focus": "ServiceRequest/{request}"}),
        ("Task", {"patient:identifier": f"{NHS_NUMBER_SYSTEM}|{{patient}}"}),
    ],
)
async def test_another_practice_searching_finds_nothing_about_the_patient(
    referrals: Referrals, referral: Referral, resource_type: str, params: dict[str, str]
) -> None:
    values = {"patient": referral.patient, "request": referral.request["id"]}
    query = {k: v.format(**values) for k, v in params.items()} | {"_total": "accurate"}

    response = await referrals.client.get(
        f"/fhir/{resource_type}", params=query, headers=as_gp(referrals, "B")
    )

    assert response.status_code == 200
    bundle = response.json()
    patient_entries = [
        e for e in bundle.get("entry", []) if e["resource"]["id"] != referral.crossing_task_id
    ]
    assert patient_entries == []
    assert bundle["total"] == (1 if resource_type == "Task" and "focus" in params else 0)


async def test_another_practice_gets_no_patient_data_through_include_or_revinclude(
    referrals: Referrals, referral: Referral
) -> None:
    through_include = await referrals.client.get(
        "/fhir/Task",
        params={"_id": referral.crossing_task_id, "_include": "Task:focus"},
        headers=as_gp(referrals, "B"),
    )
    through_revinclude = await referrals.client.get(
        "/fhir/HealthcareService",
        params={"_id": referral.service_id, "_revinclude": "ServiceRequest:performer"},
        headers=as_gp(referrals, "B"),
    )
    # The same searches by practice A do reach the request, so the filter is what hides it.
    control = await referrals.client.get(
        "/fhir/Task",
        params={"_id": referral.task_id, "_include": "Task:focus"},
        headers=as_gp(referrals, "A"),
    )

    assert ids(through_include) == {referral.crossing_task_id}
    assert ids(through_revinclude) == {referral.service_id}
    assert ids(control, "include") == {referral.request["id"]}


async def test_another_practice_cannot_change_or_delete_the_request(
    referrals: Referrals, referral: Referral
) -> None:
    url = f"/fhir/ServiceRequest/{referral.request['id']}"
    headers = {**as_gp(referrals, "B"), "Content-Type": "application/fhir+json"}

    changed = await referrals.client.put(
        url, json={**referral.request, "priority": "urgent"}, headers=headers
    )
    deleted = await referrals.client.delete(url, headers=as_gp(referrals, "B"))

    assert (changed.status_code, deleted.status_code) == (404, 404)
    current = await referrals.client.get(url, headers=as_gp(referrals, "A"))
    assert current.json()["meta"]["versionId"] == referral.request["meta"]["versionId"]


async def test_the_patient_sees_their_own_request_and_no_one_elses(
    referrals: Referrals, referral: Referral
) -> None:
    url = f"/fhir/ServiceRequest/{referral.request['id']}"
    own = referrals.auth("patient", None, nhs_number=referral.patient)
    someone_else = referrals.auth("patient", None, nhs_number=new_nhs_number())

    assert (await referrals.client.get(url, headers=own)).status_code == 200
    assert (await referrals.client.get(url, headers=someone_else)).status_code == 404
