"""A resource's life over HTTP: create, read, update, vread, history, delete, recreate.

Each step is checked by what a client sees (status, ETag, Location, versionId) and
by what was stored (versions, and the change events the outbox holds for the relay).
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import httpx
from fhir.resources.R4B.bundle import Bundle

from services.referrals.tests.bodies import (
    service_request,
)
from services.referrals.tests.conftest import (
    BASE_URL,
    Referrals,
    outcome_codes,
)
from services.referrals.tests.flows import events


def _version_headers(response: httpx.Response, resource_id: str, version: int) -> None:
    assert response.headers["ETag"] == f'W/"{version}"'
    # `Location` names a new resource (201); otherwise `Content-Location` names the version.
    where = "Location" if response.status_code == 201 else "Content-Location"
    assert response.headers[where] == (
        f"{BASE_URL}/fhir/ServiceRequest/{resource_id}/_history/{version}"
    )
    body = response.json()
    assert body["id"] == resource_id
    assert body["meta"]["versionId"] == str(version)
    modified = parsedate_to_datetime(response.headers["Last-Modified"])
    stamped = body["meta"]["lastUpdated"]
    assert modified.strftime("%Y-%m-%dT%H:%M:%S") == stamped[:19]


async def test_create_assigns_an_id_and_answers_version_one_with_etag_and_location(
    referrals: Referrals,
) -> None:
    body = {**service_request(await referrals.registered_patient()), "id": "chosen-by-client"}

    response = await referrals.client.post(
        "/fhir/ServiceRequest", json=body, headers=referrals.write_headers()
    )

    assert response.status_code == 201
    created = response.json()
    assert created["id"] != "chosen-by-client"
    _version_headers(response, created["id"], 1)
    read = await referrals.client.get(
        f"/fhir/ServiceRequest/{created['id']}", headers=referrals.auth()
    )
    assert read.status_code == 200
    assert read.content == response.content
    _version_headers(read, created["id"], 1)
    assert await events(referrals, created["id"]) == [
        "carecoord.referral.submitted.v1",
        "carecoord.referral.routed.v1",
    ]


async def _assert_deleted_at_version_three(referrals: Referrals, rid: str) -> None:
    """Read answers 410 (as does the deletion's version); version 2 is still there; a
    search finds nothing."""
    url = f"/fhir/ServiceRequest/{rid}"
    gone = await referrals.client.get(url, headers=referrals.auth())
    assert gone.status_code == 410
    assert outcome_codes(gone) == ["deleted"]
    deletion = await referrals.client.get(f"{url}/_history/3", headers=referrals.auth())
    assert deletion.status_code == 410
    still = await referrals.client.get(f"{url}/_history/2", headers=referrals.auth())
    assert still.status_code == 200
    assert still.json()["priority"] == "urgent"
    listed = await referrals.client.get(
        "/fhir/ServiceRequest", params={"_id": rid}, headers=referrals.auth()
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["type"] == "searchset"
    assert "entry" not in listed.json()


async def _assert_history_newest_first(referrals: Referrals, rid: str) -> None:
    """The instance history: recreate, delete (no resource), update, create."""
    history = await referrals.client.get(
        f"/fhir/ServiceRequest/{rid}/_history", headers=referrals.auth()
    )
    assert history.status_code == 200
    bundle = history.json()
    Bundle.model_validate(bundle)
    assert bundle["type"] == "history"
    assert bundle["total"] == 4
    assert [
        (e["request"]["method"], e["response"]["etag"], e.get("resource", {}).get("priority"))
        for e in bundle["entry"]
    ] == [
        ("PUT", 'W/"4"', "routine"),
        ("DELETE", 'W/"3"', None),
        ("PUT", 'W/"2"', "urgent"),
        ("POST", 'W/"1"', "routine"),
    ]
    assert "resource" not in bundle["entry"][1]


async def test_a_resource_keeps_every_version_through_update_delete_and_recreate(
    referrals: Referrals,
) -> None:
    created = await referrals.create(service_request(await referrals.registered_patient()))
    rid = created["id"]
    url = f"/fhir/ServiceRequest/{rid}"

    updated = await referrals.client.put(
        url,
        json={**created, "priority": "urgent"},
        headers=referrals.write_headers({"If-Match": 'W/"1"'}),
    )
    assert updated.status_code == 200
    _version_headers(updated, rid, 2)

    first = await referrals.client.get(f"{url}/_history/1", headers=referrals.auth())
    assert first.status_code == 200
    assert first.json()["priority"] == "routine"
    assert first.headers["ETag"] == 'W/"1"'

    deleted = await referrals.client.delete(url, headers=referrals.auth())
    assert deleted.status_code == 204
    await _assert_deleted_at_version_three(referrals, rid)

    recreated = await referrals.client.put(
        url, json={**created, "priority": "routine"}, headers=referrals.write_headers()
    )
    assert recreated.status_code == 200  # a new version of a known id, not a new resource
    _version_headers(recreated, rid, 4)
    back = await referrals.client.get(url, headers=referrals.auth())
    assert back.status_code == 200
    assert back.json()["priority"] == "routine"

    await _assert_history_newest_first(referrals, rid)
    assert await events(referrals, rid) == [
        "carecoord.referral.submitted.v1",
        "carecoord.referral.routed.v1",
        "carecoord.referral.revised.v1",
        "carecoord.referral.withdrawn.v1",
        "carecoord.referral.revised.v1",
    ]


async def test_finding_10_an_update_to_a_new_id_is_404_like_a_hidden_one(
    referrals: Referrals,
) -> None:
    """No update-as-create: a client-chosen new id answers exactly as a hidden one does,
    so a PUT cannot probe which ids exist (an e-RS request keeps its UBRN through POST)."""
    url = "/fhir/ServiceRequest/chosen-id-1"
    response = await referrals.client.put(
        url,
        json=service_request(await referrals.registered_patient(), ubrn="a.000000000123"),
        headers=referrals.write_headers(),
    )

    assert response.status_code == 404
    assert response.json()["issue"][0]["code"] == "not-found"
    read = await referrals.client.get(url, headers=referrals.auth())
    assert read.status_code == 404


async def test_update_with_if_match_of_a_missing_resource_is_not_found(
    referrals: Referrals,
) -> None:
    async with referrals.unchanged():
        response = await referrals.client.put(
            "/fhir/ServiceRequest/never-created",
            json=service_request(await referrals.registered_patient()),
            headers=referrals.write_headers({"If-Match": 'W/"1"'}),
        )

    assert response.status_code == 404
    assert outcome_codes(response) == ["not-found"]


async def test_json_patch_makes_a_new_version(referrals: Referrals) -> None:
    created = await referrals.create(service_request(await referrals.registered_patient()))
    url = f"/fhir/ServiceRequest/{created['id']}"

    patched = await referrals.client.patch(
        url,
        json=[{"op": "replace", "path": "/status", "value": "on-hold"}],
        headers={
            **referrals.auth(),
            "Content-Type": "application/json-patch+json",
            "If-Match": 'W/"1"',
        },
    )

    assert patched.status_code == 200
    _version_headers(patched, created["id"], 2)
    read = await referrals.client.get(url, headers=referrals.auth())
    assert read.json()["status"] == "on-hold"


async def test_deleting_twice_changes_nothing_the_second_time(referrals: Referrals) -> None:
    created = await referrals.create(service_request(await referrals.registered_patient()))
    url = f"/fhir/ServiceRequest/{created['id']}"

    first = await referrals.client.delete(url, headers=referrals.auth())
    second = await referrals.client.delete(url, headers=referrals.auth())

    assert (first.status_code, second.status_code) == (204, 204)
    versions = await referrals.scalar(
        "select max(version_id) from resource_version where id = :id", id=created["id"]
    )
    assert versions == 2


async def test_deleting_an_unknown_resource_is_not_found(referrals: Referrals) -> None:
    response = await referrals.client.delete(
        "/fhir/ServiceRequest/never-was", headers=referrals.auth()
    )

    assert response.status_code == 404
    assert outcome_codes(response) == ["not-found"]
