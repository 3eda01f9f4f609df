"""Who may see a patient's requests, and the audit trail every look leaves.

A patient is registered at practice A (the grant the care plans register's events
give), and a GP there refers them. A GP at practice B may not refer them, and must
then find nothing (404 on read, empty searches, nothing through `_include` or
`_revinclude`), while every read by practice A leaves an AuditEvent naming the
reader and the patient's NHS number, tied to the request by its correlation id.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from carecoord_shared.security.audit import audit_event
from services.referrals.tests.bodies import (
    NHS_NUMBER_SYSTEM,
    PRACTICE_A,
    PRACTICE_B,
    UBRN_SYSTEM,
    service_request,
    triage_task,
)
from services.referrals.tests.conftest import (
    Referrals,
    SettingsFactory,
    new_nhs_number,
    outcome_codes,
    running_referrals,
)

GP_A = "gp-at-practice-a"
GP_B = "gp-at-practice-b"


@dataclass(frozen=True, slots=True)
class Referral:
    patient: str
    request: dict[str, Any]
    task_id: str
    crossing_task_id: str
    """Practice B's Task about its own patient, pointing at practice A's request."""
    service_id: str


@pytest.fixture(scope="module")
async def referral(referrals: Referrals) -> Referral:
    service = await referrals.create({"resourceType": "HealthcareService", "name": "Renal A&G"})
    patient = new_nhs_number()
    await referrals.register(patient, PRACTICE_A)
    response = await referrals.client.post(
        "/fhir/ServiceRequest",
        json=service_request(patient, performer=f"HealthcareService/{service['id']}"),
        headers={**_as(referrals, "A"), "Content-Type": "application/fhir+json"},
    )
    assert response.status_code == 201
    request = response.json()
    focus = f"ServiceRequest/{request['id']}"
    task = await referrals.client.post(
        "/fhir/Task",
        json=triage_task(focus, patient),
        headers={**_as(referrals, "A"), "Content-Type": "application/fhir+json"},
    )
    assert task.status_code == 201
    # Practice B's own patient's work item may point at a request B cannot see.
    crossing = await referrals.create(
        triage_task(focus, await referrals.registered_patient(PRACTICE_B)), organisation=PRACTICE_B
    )
    return Referral(patient, request, task.json()["id"], crossing["id"], service["id"])


def _as(referrals: Referrals, practice: str, correlation_id: str | None = None) -> dict[str, str]:
    user, organisation = (GP_A, PRACTICE_A) if practice == "A" else (GP_B, PRACTICE_B)
    headers = referrals.auth("gp", organisation, user=user)
    if correlation_id is not None:
        headers["X-Correlation-ID"] = correlation_id
    return headers


async def _audit_rows(referrals: Referrals, correlation_id: str) -> list[Any]:
    async with referrals.engine.connect() as conn:
        query = select(audit_event).where(audit_event.c.correlation_id == correlation_id)
        return list((await conn.execute(query)).all())


async def _get_audited(
    referrals: Referrals, url: str, params: dict[str, str] | None = None
) -> tuple[httpx.Response, list[Any]]:
    correlation_id = f"audit-{uuid.uuid4().hex}"
    response = await referrals.client.get(
        url, params=params, headers=_as(referrals, "A", correlation_id)
    )
    assert response.status_code == 200, response.text
    return response, await _audit_rows(referrals, correlation_id)


def _ids(response: httpx.Response, mode: str | None = None) -> set[str]:
    assert response.status_code == 200, response.text
    assert response.json()["type"] == "searchset"
    return {
        e["resource"]["id"]
        for e in response.json().get("entry", [])
        if mode is None or e["search"]["mode"] == mode
    }


# -- the grant and the audit trail ---------------------------------------------------------
async def test_a_gp_cannot_refer_a_patient_registered_elsewhere(referrals: Referrals) -> None:
    patient = new_nhs_number()
    await referrals.register(patient, PRACTICE_A)
    before = await referrals.count("ServiceRequest")

    response = await referrals.client.post(
        "/fhir/ServiceRequest",
        json=service_request(patient),
        headers={**_as(referrals, "B"), "Content-Type": "application/fhir+json"},
    )

    assert response.status_code == 403
    assert outcome_codes(response) == ["forbidden"]
    assert await referrals.count("ServiceRequest") == before


async def test_the_registered_practice_is_the_patients_only_relationship(
    referrals: Referrals, referral: Referral
) -> None:
    grants = await referrals.scalar(
        "select string_agg(party_kind || ':' || party || ':' || reason, ',') "
        "from access_grant where patient_nhs = :nhs",
        nhs=referral.patient,
    )

    assert grants == f"organisation:{PRACTICE_A}:registered-practice"


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("/fhir/ServiceRequest/{id}", "R"),
        ("/fhir/ServiceRequest/{id}/_history/1", "R"),
        ("/fhir/ServiceRequest/{id}/_history", "R"),
    ],
)
async def test_every_read_of_a_request_is_audited_with_reader_and_patient(
    referrals: Referrals, referral: Referral, path: str, action: str
) -> None:
    _, rows = await _get_audited(referrals, path.format(id=referral.request["id"]))

    assert [(r.action, r.subject, r.organisation, r.patient_nhs, r.outcome) for r in rows] == [
        (action, GP_A, PRACTICE_A, referral.patient, "0")
    ]
    assert rows[0].entity == f"ServiceRequest/{referral.request['id']}"


async def test_a_search_is_audited_once_per_patient_it_returned(
    referrals: Referrals, referral: Referral
) -> None:
    other_patient = new_nhs_number()
    await referrals.client.post(
        "/fhir/ServiceRequest",
        json=service_request(other_patient),
        headers={**_as(referrals, "A"), "Content-Type": "application/fhir+json"},
    )

    response, rows = await _get_audited(
        referrals,
        "/fhir/ServiceRequest",
        {"patient:identifier": f"{NHS_NUMBER_SYSTEM}|{referral.patient}"},
    )

    assert _ids(response) == {referral.request["id"]}
    assert [(r.action, r.subject, r.patient_nhs) for r in rows] == [("E", GP_A, referral.patient)]
    assert rows[0].entity.startswith("ServiceRequest?patient%3Aidentifier=")


async def test_patient_data_reached_through_revinclude_is_audited(
    referrals: Referrals, referral: Referral
) -> None:
    response, rows = await _get_audited(
        referrals,
        "/fhir/HealthcareService",
        {"_id": referral.service_id, "_revinclude": "ServiceRequest:performer"},
    )

    assert _ids(response, "include") == {referral.request["id"]}
    assert {(r.subject, r.patient_nhs) for r in rows} == {(GP_A, referral.patient)}


async def test_a_search_that_returns_no_patient_data_leaves_no_patient_audit(
    referrals: Referrals, referral: Referral
) -> None:
    _, rows = await _get_audited(referrals, "/fhir/HealthcareService", {"_id": referral.service_id})

    assert [r for r in rows if r.patient_nhs is not None] == []


async def test_a_conditional_create_that_returns_an_existing_request_is_audited(
    referrals: Referrals, referral: Referral
) -> None:
    ubrn = next(i["value"] for i in referral.request["identifier"] if i["system"] == UBRN_SYSTEM)
    correlation_id = f"audit-{uuid.uuid4().hex}"

    response = await referrals.client.post(
        "/fhir/ServiceRequest",
        json=service_request(referral.patient, ubrn=ubrn),
        headers={
            **_as(referrals, "A", correlation_id),
            "Content-Type": "application/fhir+json",
            "If-None-Exist": f"identifier={UBRN_SYSTEM}|{ubrn}",
        },
    )

    assert response.status_code == 200
    assert response.json()["id"] == referral.request["id"]
    rows = await _audit_rows(referrals, correlation_id)
    assert [(r.subject, r.patient_nhs) for r in rows] == [(GP_A, referral.patient)]


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

    response = await referrals.client.get(url, headers=_as(referrals, "B"))

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
        f"/fhir/{resource_type}", params=query, headers=_as(referrals, "B")
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
        headers=_as(referrals, "B"),
    )
    through_revinclude = await referrals.client.get(
        "/fhir/HealthcareService",
        params={"_id": referral.service_id, "_revinclude": "ServiceRequest:performer"},
        headers=_as(referrals, "B"),
    )
    # The same searches by practice A do reach the request, so the filter is what hides it.
    control = await referrals.client.get(
        "/fhir/Task",
        params={"_id": referral.task_id, "_include": "Task:focus"},
        headers=_as(referrals, "A"),
    )

    assert _ids(through_include) == {referral.crossing_task_id}
    assert _ids(through_revinclude) == {referral.service_id}
    assert _ids(control, "include") == {referral.request["id"]}


async def test_another_practice_cannot_change_or_delete_the_request(
    referrals: Referrals, referral: Referral
) -> None:
    url = f"/fhir/ServiceRequest/{referral.request['id']}"
    headers = {**_as(referrals, "B"), "Content-Type": "application/fhir+json"}

    changed = await referrals.client.put(
        url, json={**referral.request, "priority": "urgent"}, headers=headers
    )
    deleted = await referrals.client.delete(url, headers=_as(referrals, "B"))

    assert (changed.status_code, deleted.status_code) == (404, 404)
    current = await referrals.client.get(url, headers=_as(referrals, "A"))
    assert current.json()["meta"]["versionId"] == referral.request["meta"]["versionId"]


async def test_the_patient_sees_their_own_request_and_no_one_elses(
    referrals: Referrals, referral: Referral
) -> None:
    url = f"/fhir/ServiceRequest/{referral.request['id']}"
    own = referrals.auth("patient", None, nhs_number=referral.patient)
    someone_else = referrals.auth("patient", None, nhs_number=new_nhs_number())

    assert (await referrals.client.get(url, headers=own)).status_code == 200
    assert (await referrals.client.get(url, headers=someone_else)).status_code == 404


# -- start-up ------------------------------------------------------------------------------
async def test_parallel_first_requests_after_start_up_are_authenticated(
    referrals: Referrals, referrals_settings_factory: SettingsFactory
) -> None:
    settings = referrals_settings_factory(referrals.database_url)
    headers = _as(referrals, "A")

    async with running_referrals(settings) as client:
        responses = await asyncio.gather(
            *(client.get("/fhir/Organization", headers=headers) for _ in range(8))
        )

    assert [r.status_code for r in responses] == [200] * 8
