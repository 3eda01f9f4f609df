"""`_summary` and `_elements` (issue 14, item 1) on search, read and vread, on the kernel alone.

A minimal service on a fresh database: every CareCoord service inherits what is proved
here. Mandatory elements stay, subsetted resources carry the SUBSETTED tag, the two
parameters together (or an element the type does not have) are a 400 OperationOutcome.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from carecoord_shared.fhir.registry import (
    FhirRegistry,
    ResourceDefinition,
    SearchParam,
    nhs_number_at,
)
from carecoord_shared.fhir.subsetting import SUBSETTED
from carecoord_shared.security.dev_issuer import DevIssuer
from shared.tests.example_service import example_settings, running

NHS = "9990000018"
SUBJECT = {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}}


@pytest.fixture
async def client(fresh_database_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    issuer = DevIssuer(tmp_path / "issuer")
    registry = FhirRegistry("example").add(
        ResourceDefinition(
            "Goal",
            narrative=True,
            patient_nhs=nhs_number_at("Goal.subject"),
            search_params=(SearchParam("addresses", "reference", "Goal.addresses"),),
        ),
        ResourceDefinition("Condition", patient_nhs=nhs_number_at("Condition.subject")),
    )
    settings = example_settings(fresh_database_url, issuer)
    system = f"Bearer {issuer.mint('system')}"
    async with running(settings, registry, Authorization=system) as (_app, http):
        yield http


async def _goal(client: httpx.AsyncClient) -> dict[str, Any]:
    condition = await client.post(
        "/fhir/Condition", json={"resourceType": "Condition", "subject": SUBJECT}
    )
    made = await client.post(
        "/fhir/Goal",
        json={
            "resourceType": "Goal",
            "lifecycleStatus": "active",
            "priority": {"text": "high"},
            "description": {"text": "Walk to the shops"},
            "subject": SUBJECT,
            "addresses": [{"reference": f"Condition/{condition.json()['id']}"}],
            "note": [{"text": "Prefers mornings"}],
        },
    )
    assert made.status_code == 201
    body: dict[str, Any] = made.json()
    assert "text" in body  # the narrative the kernel generated
    return body


def _only(bundle: httpx.Response, mode: str = "match") -> list[dict[str, Any]]:
    assert bundle.status_code == 200, bundle.text
    return [e["resource"] for e in bundle.json()["entry"] if e["search"]["mode"] == mode]


async def test_summary_true_returns_the_summary_elements_tagged(client: httpx.AsyncClient) -> None:
    goal = await _goal(client)

    (found,) = _only(await client.get("/fhir/Goal", params={"_summary": "true"}))

    assert set(found) == {
        "resourceType", "id", "meta", "lifecycleStatus", "priority", "description", "subject"
    }  # fmt: skip
    assert "addresses" not in found  # not a summary element of R4 Goal
    assert SUBSETTED in found["meta"]["tag"]
    assert found["meta"]["versionId"] == goal["meta"]["versionId"]


async def test_summary_text_and_data(client: httpx.AsyncClient) -> None:
    await _goal(client)

    (text,) = _only(await client.get("/fhir/Goal", params={"_summary": "text"}))
    (data,) = _only(await client.get("/fhir/Goal", params={"_summary": "data"}))
    (whole,) = _only(await client.get("/fhir/Goal", params={"_summary": "false"}))

    assert set(text) == {
        "resourceType", "id", "meta", "text", "lifecycleStatus", "description", "subject"
    }  # fmt: skip
    assert "text" not in data
    assert data["note"] == [{"text": "Prefers mornings"}]
    assert SUBSETTED in data["meta"]["tag"]
    assert "tag" not in whole["meta"]
    assert "text" in whole


async def test_elements_keep_the_named_and_the_mandatory(client: httpx.AsyncClient) -> None:
    await _goal(client)

    response = await client.get("/fhir/Goal", params={"_elements": "note"})
    (found,) = _only(response)

    assert set(found) == {
        "resourceType", "id", "meta", "note", "lifecycleStatus", "description", "subject"
    }  # fmt: skip
    assert SUBSETTED in found["meta"]["tag"]
    assert "_elements=note" in response.json()["link"][0]["url"]


async def test_summary_applies_to_included_resources_too(client: httpx.AsyncClient) -> None:
    await _goal(client)
    params = {"_summary": "true", "_include": "Goal:addresses"}

    (condition,) = _only(await client.get("/fhir/Goal", params=params), "include")

    assert SUBSETTED in condition["meta"]["tag"]
    assert "text" not in condition


async def test_read_and_vread_honour_elements_and_summary(client: httpx.AsyncClient) -> None:
    goal = await _goal(client)
    path = f"/fhir/Goal/{goal['id']}"

    read = await client.get(path, params={"_elements": "priority"})
    vread = await client.get(f"{path}/_history/1", params={"_summary": "true"})

    assert read.status_code == 200
    assert vread.status_code == 200
    assert "priority" in read.json()
    assert "note" not in read.json()
    assert SUBSETTED in read.json()["meta"]["tag"]
    assert "note" not in vread.json()
    assert "text" not in vread.json()
    assert read.headers["etag"] == 'W/"1"'
    assert "tag" not in (await client.get(path)).json()["meta"]


@pytest.mark.parametrize(
    ("params", "expression"),
    [
        ({"_summary": "true", "_elements": "note"}, "_elements"),
        ({"_elements": "note,colour"}, "_elements"),
        ({"_summary": "brief"}, "_summary"),
        ({"_summary": "text", "_include": "Goal:addresses"}, "_summary"),
    ],
)
async def test_bad_subsets_are_refused_on_search(
    client: httpx.AsyncClient, params: dict[str, str], expression: str
) -> None:
    response = await client.get("/fhir/Goal", params=params)

    assert response.status_code == 400
    (issue,) = response.json()["issue"]
    assert issue["expression"] == [expression]


async def test_bad_subsets_are_refused_on_read(client: httpx.AsyncClient) -> None:
    goal = await _goal(client)
    path = f"/fhir/Goal/{goal['id']}"

    for params in ({"_summary": "count"}, {"_elements": "colour"}, {"_summary": "x"}):
        response = await client.get(path, params=params)
        assert response.status_code == 400, params
        assert response.json()["resourceType"] == "OperationOutcome"


async def test_an_unknown_element_is_ignored_with_a_warning_when_lenient(
    client: httpx.AsyncClient,
) -> None:
    await _goal(client)
    response = await client.get(
        "/fhir/Goal",
        params={"_elements": "note,colour"},
        headers={"Prefer": "handling=lenient"},
    )

    (found,) = _only(response)
    (outcome,) = _only(response, "outcome")
    assert "note" in found
    assert "colour" in outcome["issue"][0]["diagnostics"]


async def test_the_capability_statement_advertises_them(client: httpx.AsyncClient) -> None:
    metadata = (await client.get("/fhir/metadata")).json()

    names = [p["name"] for p in metadata["rest"][0]["searchParam"]]
    assert names == ["_summary", "_elements"]
