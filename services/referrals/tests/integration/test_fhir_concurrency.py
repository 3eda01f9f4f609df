"""Races over HTTP on the real database: conditional create and optimistic locking.

GP systems retry, and two clinicians can save the same request at once. Conditional
create must never make a second copy of a UBRN, and `If-Match` must let exactly one
of many writers holding the same version win.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import httpx

from services.referrals.tests.bodies import (
    UBRN_SYSTEM,
    service_request,
)
from services.referrals.tests.conftest import (
    Referrals,
    outcome_codes,
)

PARALLEL_CREATES = 32
PARALLEL_UPDATES = 20


async def _count_with_ubrn(referrals: Referrals, ubrn: str) -> int:
    return int(
        await referrals.scalar(
            "select count(*) from search_index i join resource r on r.pk = i.res_pk "
            "where i.param = 'identifier' and i.system = :system and i.value = :ubrn",
            system=UBRN_SYSTEM,
            ubrn=ubrn,
        )
    )


async def _conditional_creates(referrals: Referrals, ubrn: str, times: int) -> list[object]:
    body = service_request(await referrals.registered_patient(), ubrn=ubrn)
    headers = referrals.write_headers({"If-None-Exist": f"identifier={UBRN_SYSTEM}|{ubrn}"})
    return list(
        await asyncio.gather(
            *(
                referrals.client.post("/fhir/ServiceRequest", json=body, headers=headers)
                for _ in range(times)
            )
        )
    )


async def _refused_conditional_create(referrals: Referrals, criterion: str) -> httpx.Response:
    """A new request POSTed with `If-None-Exist: criterion`, asserting nothing was stored."""
    async with referrals.unchanged():
        return await referrals.client.post(
            "/fhir/ServiceRequest",
            json=service_request(await referrals.registered_patient()),
            headers=referrals.write_headers({"If-None-Exist": criterion}),
        )


async def test_parallel_identical_conditional_creates_store_exactly_one_resource(
    referrals: Referrals,
) -> None:
    ubrn = "a.000000000001"
    before = await referrals.count("ServiceRequest")

    responses = await _conditional_creates(referrals, ubrn, PARALLEL_CREATES)

    statuses = Counter(r.status_code for r in responses)  # type: ignore[attr-defined]
    assert statuses == {201: 1, 200: PARALLEL_CREATES - 1}, statuses
    ids = {r.json()["id"] for r in responses}  # type: ignore[attr-defined]
    assert len(ids) == 1
    assert await referrals.count("ServiceRequest") == before + 1
    assert await _count_with_ubrn(referrals, ubrn) == 1
    found = await referrals.client.get(
        "/fhir/ServiceRequest",
        params={"identifier": f"{UBRN_SYSTEM}|{ubrn}"},
        headers=referrals.auth(),
    )
    assert [e["resource"]["id"] for e in found.json()["entry"]] == list(ids)


async def test_a_conditional_create_that_finds_its_match_returns_it_unchanged(
    referrals: Referrals,
) -> None:
    ubrn = f"a.{uuid.uuid4().hex[:12]}"
    (first,) = await _conditional_creates(referrals, ubrn, 1)
    (second,) = await _conditional_creates(referrals, ubrn, 1)

    assert (first.status_code, second.status_code) == (201, 200)  # type: ignore[attr-defined]
    assert second.json() == first.json()  # type: ignore[attr-defined]
    assert second.headers["ETag"] == 'W/"1"'  # type: ignore[attr-defined]


async def test_conditional_create_matching_several_resources_is_refused(
    referrals: Referrals,
) -> None:
    system = f"urn:test:dup:{uuid.uuid4().hex}"
    for _ in range(2):
        await referrals.create(
            service_request(await referrals.registered_patient(), identifier_system=system)
        )

    response = await _refused_conditional_create(referrals, f"identifier={system}|x")

    assert response.status_code == 412
    assert outcome_codes(response) == ["conflict"]


async def test_conditional_create_with_an_unknown_criterion_is_refused(
    referrals: Referrals,
) -> None:
    response = await _refused_conditional_create(referrals, "colour=red")

    assert response.status_code == 400
    assert outcome_codes(response) == ["not-supported"]


async def test_parallel_conditional_creates_after_the_match_was_deleted_store_one(
    referrals: Referrals,
) -> None:
    # The first create leaves a claim on the criteria; deleting the resource makes that
    # claim stale, and the next creators must still agree on a single new resource.
    ubrn = f"a.{uuid.uuid4().hex[:12]}"
    (first,) = await _conditional_creates(referrals, ubrn, 1)
    deleted = await referrals.client.delete(
        f"/fhir/ServiceRequest/{first.json()['id']}",  # type: ignore[attr-defined]
        headers=referrals.auth(),
    )
    assert deleted.status_code == 204

    responses = await _conditional_creates(referrals, ubrn, PARALLEL_CREATES)

    statuses = Counter(r.status_code for r in responses)  # type: ignore[attr-defined]
    assert statuses == {201: 1, 200: PARALLEL_CREATES - 1}, statuses
    assert len({r.json()["id"] for r in responses}) == 1  # type: ignore[attr-defined]
    assert await _count_with_ubrn(referrals, ubrn) == 1


async def test_parallel_updates_with_the_same_if_match_have_exactly_one_winner(
    referrals: Referrals,
) -> None:
    created = await referrals.create(service_request(await referrals.registered_patient()))
    url = f"/fhir/ServiceRequest/{created['id']}"

    async def revise(n: int) -> object:
        body = {**created, "note": [{"text": f"revision {n}"}]}
        headers = referrals.write_headers({"If-Match": 'W/"1"'})
        return await referrals.client.put(url, json=body, headers=headers)

    responses = await asyncio.gather(*(revise(n) for n in range(PARALLEL_UPDATES)))

    statuses = Counter(r.status_code for r in responses)  # type: ignore[attr-defined]
    assert statuses == {200: 1, 412: PARALLEL_UPDATES - 1}, statuses
    (winner,) = [r for r in responses if r.status_code == 200]  # type: ignore[attr-defined]
    for loser in responses:
        if loser.status_code == 412:  # type: ignore[attr-defined]
            assert outcome_codes(loser) == ["conflict"]  # type: ignore[arg-type]
    current = await referrals.client.get(url, headers=referrals.auth())
    assert current.headers["ETag"] == 'W/"2"'
    assert current.json()["meta"]["versionId"] == "2"
    assert current.json()["note"] == winner.json()["note"]  # type: ignore[attr-defined]
    versions = await referrals.scalar(
        "select count(*) from resource_version where id = :id", id=created["id"]
    )
    assert versions == 2
