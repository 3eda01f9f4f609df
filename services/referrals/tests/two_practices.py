"""Two practices and one referral, for the access tests.

A patient registered at practice A, whose GP refers them (a request and its triage
Task); practice B has a Task about its own patient that points at A's request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from services.referrals.tests.bodies import PRACTICE_A, PRACTICE_B, service_request, triage_task
from services.referrals.tests.conftest import Referrals, new_nhs_number

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


async def make_referral(referrals: Referrals) -> Referral:
    """Practice A refers its registered patient (a request and its Task); practice B
    has a Task of its own patient pointing at that request."""
    service = await referrals.create({"resourceType": "HealthcareService", "name": "Renal A&G"})
    patient = new_nhs_number()
    await referrals.register(patient, PRACTICE_A)
    response = await referrals.client.post(
        "/fhir/ServiceRequest",
        json=service_request(patient, performer=f"HealthcareService/{service['id']}"),
        headers={**as_gp(referrals, "A"), "Content-Type": "application/fhir+json"},
    )
    assert response.status_code == 201
    request = response.json()
    focus = f"ServiceRequest/{request['id']}"
    task = await referrals.client.post(
        "/fhir/Task",
        json=triage_task(focus, patient),
        headers={**as_gp(referrals, "A"), "Content-Type": "application/fhir+json"},
    )
    assert task.status_code == 201
    # Practice B's own patient's work item may point at a request B cannot see.
    crossing = await referrals.create(
        triage_task(focus, await referrals.registered_patient(PRACTICE_B)), organisation=PRACTICE_B
    )
    return Referral(patient, request, task.json()["id"], crossing["id"], service["id"])


def as_gp(referrals: Referrals, practice: str, correlation_id: str | None = None) -> dict[str, str]:
    """Headers of a GP at practice "A" or "B" (with a correlation id, when given)."""
    user, organisation = (GP_A, PRACTICE_A) if practice == "A" else (GP_B, PRACTICE_B)
    headers = referrals.auth("gp", organisation, user=user)
    if correlation_id is not None:
        headers["X-Correlation-ID"] = correlation_id
    return headers


def ids(response: httpx.Response, mode: str | None = None) -> set[str]:
    """The ids a search returned (of one search mode, when given)."""
    assert response.status_code == 200, response.text
    assert response.json()["type"] == "searchset"
    return {
        e["resource"]["id"]
        for e in response.json().get("entry", [])
        if mode is None or e["search"]["mode"] == mode
    }
