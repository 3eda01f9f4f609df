"""Who may see a patient's requests, and the audit trail every look leaves.

A patient is registered at practice A (the grant the care plans register's events
give), and a GP there refers them. A GP at practice B may not refer them (and finds
nothing: test_fhir_access_other_practice), while every read by practice A leaves an
AuditEvent naming the reader and the patient's NHS number, tied to the request by its
correlation id.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from carecoord_shared.security.audit import audit_event
from services.referrals.tests.bodies import (
    NHS_NUMBER_SYSTEM,
    PRACTICE_A,
    UBRN_SYSTEM,
    service_request,
)
from services.referrals.tests.conftest import (
    Referrals,
    SettingsFactory,
    new_nhs_number,
    outcome_codes,
    running_referrals,
)
from services.referrals.tests.two_practices import (
    GP_A,
    Referral,
    as_gp,
    ids,
)


async def _audit_rows(referrals: Referrals, correlation_id: str) -> list[Any]:
    async with referrals.engine.connect() as conn:
        query = select(audit_event).where(audit_event.c.correlation_id == correlation_id)
        return list((await conn.execute(query)).all())


async def _get_audited(
    referrals: Referrals, url: str, params: dict[str, str] | None = None
) -> tuple[httpx.Response, list[Any]]:
    correlation_id = f"audit-{uuid.uuid4().hex}"
    response = await referrals.client.get(
        url, params=params, headers=as_gp(referrals, "A", correlation_id)
    )
    assert response.status_code == 200, response.text
    return response, await _audit_rows(referrals, correlation_id)


# -- the grant and the audit trail ---------------------------------------------------------
async def test_a_gp_cannot_refer_a_patient_registered_elsewhere(referrals: Referrals) -> None:
    patient = new_nhs_number()
    await referrals.register(patient, PRACTICE_A)

    async with referrals.unchanged("ServiceRequest"):
        response = await referrals.client.post(
            "/fhir/ServiceRequest",
            json=service_request(patient),
            headers={**as_gp(referrals, "B"), "Content-Type": "application/fhir+json"},
        )

    assert response.status_code == 403
    assert outcome_codes(response) == ["forbidden"]


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
        headers={**as_gp(referrals, "A"), "Content-Type": "application/fhir+json"},
    )

    response, rows = await _get_audited(
        referrals,
        "/fhir/ServiceRequest",
        {"patient:identifier": f"{NHS_NUMBER_SYSTEM}|{referral.patient}"},
    )

    assert ids(response) == {referral.request["id"]}
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

    assert ids(response, "include") == {referral.request["id"]}
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
            **as_gp(referrals, "A", correlation_id),
            "Content-Type": "application/fhir+json",
            "If-None-Exist": f"identifier={UBRN_SYSTEM}|{ubrn}",
        },
    )

    assert response.status_code == 200
    assert response.json()["id"] == referral.request["id"]
    rows = await _audit_rows(referrals, correlation_id)
    assert [(r.subject, r.patient_nhs) for r in rows] == [(GP_A, referral.patient)]


# -- start-up ------------------------------------------------------------------------------
async def test_parallel_first_requests_after_start_up_are_authenticated(
    referrals: Referrals, referrals_settings_factory: SettingsFactory
) -> None:
    settings = referrals_settings_factory(referrals.database_url)
    headers = as_gp(referrals, "A")

    async with running_referrals(settings) as client:
        responses = await asyncio.gather(
            *(client.get("/fhir/Organization", headers=headers) for _ in range(8))
        )

    assert [r.status_code for r in responses] == [200] * 8
