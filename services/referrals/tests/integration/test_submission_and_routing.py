"""Submitting an A&G request through the FHIR API: numbered, routed, refused when it cannot be.

Submission gives the request a UBRN, routes it to a service (the one named, or the
specialty's service for the practice's locality) and opens its triage Task; a request
triage could not work on is refused before anything is stored.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from services.referrals.tests.bodies import (
    PRACTICE_A,
    healthcare_service,
    service_request,
)
from services.referrals.tests.conftest import Referrals, outcome_codes
from services.referrals.tests.flows import events, referrer, state_of, submit, tasks_for, ubrn_of


async def test_submission_numbers_routes_and_gives_the_service_a_triage_task(
    referrals: Referrals,
) -> None:
    request = await submit(referrals)

    assert re.fullmatch(r"a\.[0-9]{12}", ubrn_of(request))
    assert request["performer"][0]["reference"].startswith("HealthcareService/")
    (task,) = await tasks_for(referrals, request["id"])
    assert task["owner"] == request["performer"][0]
    assert (task["status"], state_of(task), task["priority"]) == (
        "ready",
        "awaiting-triage",
        "routine",
    )
    assert task["restriction"]["period"]["end"].endswith("T23:59:59Z")
    assert await events(referrals, request["id"]) == [
        "carecoord.referral.submitted.v1",
        "carecoord.referral.routed.v1",
    ]


async def test_a_specialty_only_request_goes_to_the_service_for_the_practice_locality(
    referrals: Referrals,
) -> None:
    specialty = {"system": "http://snomed.info/sct", "code": "394579002"}
    await referrals.create(
        {
            "resourceType": "Organization",
            "identifier": [
                {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": PRACTICE_A}
            ],
            "type": [
                {"coding": [{"system": "https://carecoord.example/locality", "code": "locality-2"}]}
            ],
            "name": "Test practice",
        }
    )
    await referrals.create(healthcare_service(specialty=specialty, localities=("locality-1",)))
    local = await referrals.create(
        healthcare_service(specialty=specialty, localities=("locality-2",))
    )

    request = await submit(referrals, performer=None, performerType={"coding": [specialty]})

    assert request["performer"] == [{"reference": f"HealthcareService/{local['id']}"}]


async def test_a_specialty_nobody_offers_is_refused_with_a_reason(referrals: Referrals) -> None:
    response = await referrals.client.post(
        "/fhir/ServiceRequest",
        json={
            **(await _body(referrals)),
            "performerType": {"coding": [{"system": "http://snomed.info/sct", "code": "1"}]},
        },
        headers=referrer(referrals),
    )

    assert response.status_code == 422
    assert outcome_codes(response) == ["business-rule"]


async def _body(referrals: Referrals) -> dict[str, Any]:
    return service_request(await referrals.registered_patient())


@pytest.mark.parametrize(
    ("field", "value"),
    [("priority", "stat"), ("requester", None), ("category", None)],
)
async def test_a_request_missing_what_triage_needs_is_a_400(
    referrals: Referrals, field: str, value: object
) -> None:
    body = await _body(referrals)
    if value is None:
        body.pop(field)
    else:
        body[field] = value

    response = await referrals.client.post(
        "/fhir/ServiceRequest", json=body, headers=referrer(referrals)
    )

    assert response.status_code == 400
    assert f"ServiceRequest.{field}" in response.text
