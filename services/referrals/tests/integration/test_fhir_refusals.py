"""Requests refused as a whole: no scope or no token, unknown search parameters,
oversized bodies, whole-type deletes, patches that cannot apply, invalid ids.

Each answers its own status with an OperationOutcome and, where it would write,
leaves the resource and version tables as they were (test_fhir_errors holds the
table of single bad requests and hostile input).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson

from services.referrals.tests.bodies import FHIR_JSON, NHS_NUMBER_SYSTEM, service_request
from services.referrals.tests.conftest import (
    Referrals,
    SettingsFactory,
    new_nhs_number,
    running_referrals,
)
from services.referrals.tests.flows import assert_outcome, written


async def test_a_token_without_the_create_scope_is_forbidden(referrals: Referrals) -> None:
    before = await written(referrals)

    response = await referrals.client.post(
        "/fhir/ServiceRequest",
        json=service_request(new_nhs_number()),
        headers=referrals.write_headers(role="admin"),
    )

    assert_outcome(response, 403, "forbidden")
    assert await written(referrals) == before


async def test_a_missing_token_is_challenged_for_a_bearer_token(referrals: Referrals) -> None:
    response = await referrals.client.post(
        "/fhir/ServiceRequest",
        json=service_request(new_nhs_number()),
        headers={"Content-Type": FHIR_JSON},
    )

    assert_outcome(response, 401, "login")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_unknown_search_parameter_is_refused_not_dropped(referrals: Referrals) -> None:
    """Issue 14's clinical-safety defect: a parameter the server does not support (a typo,
    a chain it does not do) is refused, never dropped to answer with every patient."""
    wanted = new_nhs_number()
    request = await referrals.create(service_request(wanted))
    other = await referrals.create(service_request(new_nhs_number()))
    query = {"subject.identifier": f"{NHS_NUMBER_SYSTEM}|{wanted}", "_count": "100"}

    refused = await referrals.client.get(
        "/fhir/ServiceRequest", params=query, headers=referrals.auth()
    )
    supported = await referrals.client.get(
        "/fhir/ServiceRequest",
        params={"subject:identifier": query["subject.identifier"]},
        headers=referrals.auth(),
    )

    assert_outcome(refused, 400, "not-supported")
    assert refused.json()["issue"][0]["expression"] == ["subject.identifier"]
    assert {e["resource"]["id"] for e in supported.json()["entry"]} == {request["id"]}
    assert other["id"] != request["id"]


async def test_an_unknown_search_parameter_is_ignored_only_when_the_client_asks_lenient(
    referrals: Referrals,
) -> None:
    request = await referrals.create(service_request(new_nhs_number()))
    strict = await referrals.client.get(
        "/fhir/ServiceRequest",
        params={"_id": request["id"], "colour": "red"},
        headers=referrals.auth(),
    )
    assert strict.status_code == 400
    assert strict.json()["issue"][0]["expression"] == ["colour"]
    response = await referrals.client.get(
        "/fhir/ServiceRequest",
        params={"_id": request["id"], "colour": "red"},
        headers={**referrals.auth(), "Prefer": "handling=lenient"},
    )

    assert response.status_code == 200
    entries = response.json()["entry"]
    assert [(e["search"]["mode"], e["resource"]["resourceType"]) for e in entries] == [
        ("match", "ServiceRequest"),
        ("outcome", "OperationOutcome"),
    ]
    (warning,) = entries[1]["resource"]["issue"]
    assert (warning["severity"], warning["code"]) == ("warning", "not-supported")
    assert "colour" not in response.json()["link"][0]["url"]


async def test_a_body_over_the_limit_is_refused_before_it_is_parsed(
    referrals: Referrals, referrals_settings_factory: SettingsFactory
) -> None:
    settings = referrals_settings_factory(referrals.database_url, max_body_bytes=600)
    body = orjson.dumps(service_request(new_nhs_number(), note="x" * 700))
    before = await written(referrals)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 100):
            yield body[start : start + 100]

    async with running_referrals(settings) as client:
        headers = referrals.write_headers()
        declared = await client.post("/fhir/ServiceRequest", content=body, headers=headers)
        streamed = await client.post("/fhir/ServiceRequest", content=chunks(), headers=headers)
        small = await client.post(
            "/fhir/Organization",
            json={"resourceType": "Organization", "name": "Small"},
            headers=referrals.admin(),
        )

    assert_outcome(declared, 413, "too-costly")
    assert_outcome(streamed, 413, "too-costly")
    assert "content-length" not in streamed.request.headers
    assert small.status_code == 201
    assert await written(referrals) == (before[0] + 1, before[1] + 1)


async def test_deleting_a_whole_type_is_not_allowed(referrals: Referrals) -> None:
    before = await written(referrals)

    response = await referrals.client.delete("/fhir/ServiceRequest", headers=referrals.auth())

    assert_outcome(response, 405, "not-supported")
    assert await written(referrals) == before


async def test_a_json_patch_that_cannot_apply_changes_nothing(referrals: Referrals) -> None:
    request = await referrals.create(service_request(new_nhs_number()))
    before = await written(referrals)

    response = await referrals.client.patch(
        f"/fhir/ServiceRequest/{request['id']}",
        json=[{"op": "test", "path": "/status", "value": "revoked"}],
        headers={**referrals.auth(), "Content-Type": "application/json-patch+json"},
    )

    assert_outcome(response, 400, "processing")
    assert await written(referrals) == before


async def test_an_update_to_an_invalid_id_is_refused(referrals: Referrals) -> None:
    before = await written(referrals)

    response = await referrals.client.put(
        "/fhir/Organization/not a valid id!",
        json={"resourceType": "Organization", "name": "Broken"},
        headers=referrals.write_headers(),
    )

    assert_outcome(response, 400, "value")
    assert await written(referrals) == before
