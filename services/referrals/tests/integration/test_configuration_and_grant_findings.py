"""Issue 13's findings about configuration and access grants, each with the wrong user's
refusal beside the right user's success.

3: only a directory administrator changes the directory (an advice line's phone number
above all). 4: an advice call opens access only for a patient on the register, at a
bounded rate per paramedic, and is reviewable by information governance and the
paramedic themself.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.referrals.tests.bodies import (
    FHIR_JSON,
    NHS_NUMBER_SYSTEM,
    advice_line,
)
from services.referrals.tests.conftest import (
    Referrals,
    new_nhs_number,
    outcome_expressions,
)

AMBULANCE = "Y0T004"


async def test_finding_3_only_a_directory_administrator_changes_an_advice_lines_phone(
    referrals: Referrals,
) -> None:
    line = await referrals.create(advice_line("locality-1", "01632 960101"))
    url = f"/fhir/HealthcareService/{line['id']}"
    rewired = {**line, "telecom": [{"system": "phone", "value": "09098 790000"}]}
    patient = new_nhs_number()
    await referrals.register(patient)
    patient_headers = {
        **referrals.auth("patient", None, nhs_number=patient),
        "Content-Type": FHIR_JSON,
    }

    by_gp = await referrals.client.put(url, json=rewired, headers=referrals.write_headers())
    by_patient = await referrals.client.put(url, json=rewired, headers=patient_headers)
    unchanged = await referrals.client.get(url, headers=referrals.auth())
    by_admin = await referrals.client.put(url, json=rewired, headers=referrals.admin())

    assert by_gp.status_code == 403
    assert by_patient.status_code == 403
    assert unchanged.json()["telecom"] == line["telecom"]
    assert by_admin.status_code == 200, by_admin.text
    assert by_admin.json()["telecom"][0]["value"] == "09098 790000"
    refusals = await referrals.scalar(
        "select count(*) from audit_event where entity = :e and outcome = '4' and role = 'gp'",
        e=f"HealthcareService/{line['id']}",
    )
    assert refusals == 1


@pytest.mark.parametrize("method", ["create", "patch", "delete"])
async def test_finding_3_a_gp_cannot_create_patch_or_delete_directory_entries(
    referrals: Referrals, method: str
) -> None:
    role = await referrals.create(
        {"resourceType": "PractitionerRole", "active": True, "practitioner": {"display": "Dr On"}}
    )
    url = f"/fhir/PractitionerRole/{role['id']}"
    patch = [{"op": "replace", "path": "/active", "value": False}]

    async def attempt(headers: dict[str, str]) -> int:
        if method == "create":
            body = {"resourceType": "Organization", "name": f"Org {uuid.uuid4().hex[:6]}"}
            return (
                await referrals.client.post("/fhir/Organization", json=body, headers=headers)
            ).status_code
        if method == "patch":
            sent = {**headers, "Content-Type": "application/json-patch+json"}
            return (await referrals.client.patch(url, json=patch, headers=sent)).status_code
        return (await referrals.client.delete(url, headers=headers)).status_code

    by_gp = await attempt(referrals.write_headers())
    by_admin = await attempt(referrals.admin())

    assert by_gp == 403
    assert by_admin == {"create": 201, "patch": 200, "delete": 204}[method]


def _call(line: str, nhs_number: str) -> dict[str, Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "adviceLine", "valueReference": {"reference": f"HealthcareService/{line}"}},
            {
                "name": "patient",
                "valueIdentifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number},
            },
            {"name": "outcome", "valueCode": "not-conveyed"},
        ],
    }


def _paramedic(referrals: Referrals, user: str) -> dict[str, str]:
    return {**referrals.auth("paramedic", AMBULANCE, user=user), "Content-Type": FHIR_JSON}


async def test_finding_4_an_advice_call_opens_access_only_to_a_patient_on_the_register(
    referrals: Referrals,
) -> None:
    line = await referrals.create(advice_line("locality-1"))
    paramedic = _paramedic(referrals, f"paramedic-{uuid.uuid4().hex[:6]}")
    stranger, registered = new_nhs_number(), await referrals.registered_patient()
    url = "/fhir/Communication/$record-advice-call"

    refused = await referrals.client.post(url, json=_call(line["id"], stranger), headers=paramedic)
    summary = await referrals.client.get(
        f"/fhir/Patient/{stranger}/$paramedic-summary", headers=paramedic
    )
    recorded = await referrals.client.post(
        url, json=_call(line["id"], registered), headers=paramedic
    )

    assert refused.status_code == 422
    assert outcome_expressions(refused) == ["Parameters.parameter.where(name='patient')"]
    assert "break-glass" in refused.json()["issue"][0]["diagnostics"]
    assert summary.status_code == 403
    assert recorded.status_code == 201, recorded.text
    assert recorded.headers["Location"].startswith("http://referrals.test/fhir/Communication/")


async def test_finding_4_advice_calls_are_rate_limited_per_paramedic(referrals: Referrals) -> None:
    line = await referrals.create(advice_line("locality-1"))
    busy = _paramedic(referrals, f"paramedic-{uuid.uuid4().hex[:6]}")
    other = _paramedic(referrals, f"paramedic-{uuid.uuid4().hex[:6]}")
    url = "/fhir/Communication/$record-advice-call"
    patients = [await referrals.registered_patient() for _ in range(12)]
    statuses = [
        (await referrals.client.post(url, json=_call(line["id"], p), headers=busy)).status_code
        for p in patients[:10]
    ]

    limited = await referrals.client.post(url, json=_call(line["id"], patients[10]), headers=busy)
    another = await referrals.client.post(url, json=_call(line["id"], patients[11]), headers=other)

    assert statuses == [201] * 10
    assert limited.status_code == 429
    assert 3500 < int(limited.headers["Retry-After"]) <= 3600
    assert limited.json()["issue"][0]["code"] == "throttled"
    assert another.status_code == 201


async def test_finding_4_a_paramedics_advice_call_grants_are_reviewable(
    referrals: Referrals,
) -> None:
    line = await referrals.create(advice_line("locality-1"))
    user = f"paramedic-{uuid.uuid4().hex[:6]}"
    patient = await referrals.registered_patient()
    call = await referrals.client.post(
        "/fhir/Communication/$record-advice-call",
        json=_call(line["id"], patient),
        headers=_paramedic(referrals, user),
    )
    url = "/fhir/$advice-call-grants"

    own = await referrals.client.get(url, headers=_paramedic(referrals, user))
    own_posted = await referrals.client.post(
        url, json={"resourceType": "Parameters"}, headers=_paramedic(referrals, user)
    )
    governance = await referrals.client.get(
        url, params={"paramedic": user}, headers=referrals.auth("information-governance", "Y0T900")
    )
    another_paramedic = await referrals.client.get(
        url, params={"paramedic": user}, headers=_paramedic(referrals, "paramedic-nosy")
    )
    gp = await referrals.client.get(url, params={"paramedic": user}, headers=referrals.auth())

    assert call.status_code == 201
    assert own.status_code == 200, own.text
    assert own.json() == governance.json()
    assert own_posted.json() == own.json()  # read-only: POST answers as GET does
    (grant,) = [p for p in own.json()["parameter"] if p["name"] == "grant"]
    parts = {p["name"]: p for p in grant["part"]}
    assert parts["patient"]["valueIdentifier"]["value"] == patient
    assert (
        parts["communication"]["valueReference"]["reference"]
        == f"Communication/{call.json()['id']}"
    )
    assert parts["adviceLine"]["valueReference"]["reference"] == f"HealthcareService/{line['id']}"
    assert another_paramedic.status_code == 403
    assert gp.status_code == 403
