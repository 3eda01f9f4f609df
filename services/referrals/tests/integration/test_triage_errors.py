"""Bad input and races on `$triage`: always an OperationOutcome, never a 500, nothing half-done."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.referrals.tests.bodies import (
    FHIR_JSON,
    service_request,
)
from services.referrals.tests.conftest import (
    Referrals,
    outcome_codes,
)
from services.referrals.tests.flows import clinician, submit, tasks_for, transitions, triage


async def _post(referrals: Referrals, request_id: str, body: Any, **headers: str) -> Any:
    return await referrals.client.post(
        f"/fhir/ServiceRequest/{request_id}/$triage",
        content=body if isinstance(body, bytes) else None,
        json=None if isinstance(body, bytes) else body,
        headers={**clinician(referrals), **headers},
    )


@pytest.mark.parametrize(
    ("body", "status", "expression"),
    [
        ({"resourceType": "Parameters", "parameter": []}, 400, "outcome"),
        (
            {
                "resourceType": "Parameters",
                "parameter": [{"name": "outcome", "valueCode": "maybe"}],
            },
            400,
            "outcome",
        ),
        (
            {
                "resourceType": "Parameters",
                "parameter": [{"name": "outcome", "valueCode": "rejected"}],
            },
            400,
            "reason",
        ),
        (
            {
                "resourceType": "Parameters",
                "parameter": [{"name": "outcome", "valueCode": "redirected"}],
            },
            400,
            "redirectTo",
        ),
        (
            {
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "outcome", "valueCode": "redirected"},
                    {"name": "redirectTo", "valueReference": {"reference": "Patient/1"}},
                ],
            },
            400,
            "redirectTo",
        ),
        (
            {
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "outcome", "valueCode": "redirected"},
                    {
                        "name": "redirectTo",
                        "valueReference": {"reference": "HealthcareService/nope"},
                    },
                ],
            },
            422,
            None,
        ),
        ({"resourceType": "ServiceRequest"}, 400, None),
        (
            {"resourceType": "Parameters", "parameter": [{"name": "outcome", "valueBogus": 1}]},
            400,
            None,
        ),
        (b"{not json", 400, None),
        (b"[1, 2]", 400, None),
    ],
)
async def test_bad_triage_input_is_refused_with_an_operation_outcome(
    referrals: Referrals, body: Any, status: int, expression: str | None
) -> None:
    request = await submit(referrals)

    response = await _post(referrals, request["id"], body)

    assert response.status_code == status, response.text
    assert response.json()["resourceType"] == "OperationOutcome"
    if expression:
        assert expression in str(response.json()["issue"][0].get("expression"))
    assert await transitions(referrals, request["id"]) == []


async def test_triage_of_an_unknown_request_is_not_found(referrals: Referrals) -> None:
    response = await triage(referrals, "does-not-exist", "accepted")

    assert response.status_code == 404
    assert outcome_codes(response) == ["not-found"]


async def test_triage_with_a_malformed_id_or_if_match_is_a_400(referrals: Referrals) -> None:
    request = await submit(referrals)

    bad_id = await triage(referrals, "bad$id", "accepted")
    bad_etag = await triage(referrals, request["id"], "accepted", if_match='W/"one"')

    assert (bad_id.status_code, bad_etag.status_code) == (400, 400)


async def test_triage_without_a_token_or_scope_is_refused(referrals: Referrals) -> None:
    request = await submit(referrals)

    anonymous = await referrals.client.post(
        f"/fhir/ServiceRequest/{request['id']}/$triage",
        json={"resourceType": "Parameters"},
        headers={"Content-Type": FHIR_JSON},
    )
    paramedic = await triage(
        referrals,
        request["id"],
        "accepted",
        headers={**referrals.auth("paramedic", "Y0T004"), "Content-Type": FHIR_JSON},
    )

    assert (anonymous.status_code, paramedic.status_code) == (401, 403)


async def test_a_stale_if_match_is_refused_and_changes_nothing(referrals: Referrals) -> None:
    request = await submit(referrals)

    stale = await triage(referrals, request["id"], "accepted", if_match='W/"0"')
    fresh = await triage(referrals, request["id"], "accepted", if_match='W/"1"')

    assert stale.status_code == 412
    assert fresh.status_code == 200, fresh.text
    assert fresh.headers["ETag"] == 'W/"2"'


@pytest.mark.parametrize("with_if_match", [False, True])
async def test_two_clinicians_triaging_at_once_give_exactly_one_winner(
    referrals: Referrals, with_if_match: bool
) -> None:
    request = await submit(referrals)
    etag = 'W/"1"' if with_if_match else None

    responses = await asyncio.gather(
        triage(referrals, request["id"], "accepted", if_match=etag),
        triage(referrals, request["id"], "rejected", reason="duplicate", if_match=etag),
        triage(referrals, request["id"], "advice-given", note="x", if_match=etag),
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] == 200
    assert statuses[1:] == [412 if with_if_match else 409] * 2
    assert len(await transitions(referrals, request["id"])) == 1
    (task,) = await tasks_for(referrals, request["id"])
    assert len(task["output"]) == 1


async def test_metadata_lists_the_referrals_operations(referrals: Referrals) -> None:
    response = await referrals.client.get("/fhir/metadata")

    rest = response.json()["rest"][0]
    named = {(r["type"], o["name"]) for r in rest["resource"] for o in r.get("operation", [])} | {
        ("system", o["name"]) for o in rest.get("operation", [])
    }
    assert {"triage", "response-report"} <= {name for _type, name in named}


async def test_triage_needs_fhir_json_within_the_size_limit(referrals: Referrals) -> None:
    request = await submit(referrals)
    url = f"/fhir/ServiceRequest/{request['id']}/$triage"
    headers = clinician(referrals)

    wrong_type = await referrals.client.post(
        url, content=b"outcome=accepted", headers={**headers, "Content-Type": "text/plain"}
    )
    too_big = await referrals.client.post(url, content=b" " * 1_100_000, headers=headers)
    empty = await referrals.client.post(url, content=b"", headers=headers)

    assert (wrong_type.status_code, too_big.status_code, empty.status_code) == (415, 413, 400)
    assert await transitions(referrals, request["id"]) == []


async def test_a_submission_with_a_bad_nhs_number_or_unknown_service_changes_nothing(
    referrals: Referrals,
) -> None:
    patient = await referrals.registered_patient()
    body = service_request(patient, performer="HealthcareService/not-there")
    bad_nhs = service_request(patient[:9] + str((int(patient[9]) + 1) % 10))

    async with referrals.unchanged():
        unknown = await referrals.client.post(
            "/fhir/ServiceRequest", json=body, headers=referrals.write_headers()
        )
        invalid = await referrals.client.post(
            "/fhir/ServiceRequest", json=bad_nhs, headers=referrals.write_headers()
        )

    assert unknown.status_code == 422
    assert invalid.status_code == 400
    assert outcome_codes(invalid) == ["value"]


async def test_redirecting_to_an_advice_line_or_the_same_service_is_refused(
    referrals: Referrals,
) -> None:
    line = await referrals.create(
        {
            "resourceType": "HealthcareService",
            "active": True,
            "type": [
                {
                    "coding": [
                        {"system": "https://carecoord.example/service-type", "code": "advice-line"}
                    ]
                }
            ],
            "name": "An advice line",
        }
    )
    request = await submit(referrals)

    to_line = await triage(
        referrals, request["id"], "redirected", redirect_to=f"HealthcareService/{line['id']}"
    )
    to_self = await triage(
        referrals,
        request["id"],
        "redirected",
        redirect_to=f"HealthcareService/{referrals.default_service}",
    )

    assert (to_line.status_code, to_self.status_code) == (422, 422)
    assert await transitions(referrals, request["id"]) == []


async def test_a_put_cannot_create_a_request_that_skips_submission(referrals: Referrals) -> None:
    body = service_request(await referrals.registered_patient())

    response = await referrals.client.put(
        "/fhir/ServiceRequest/made-up-id", json=body, headers=referrals.write_headers()
    )

    assert response.status_code == 404  # no update-as-create, as for a hidden id
    assert outcome_codes(response) == ["not-found"]
