"""FHIR conformance a GP-system vendor relies on (issue 14), proved on the kernel alone.

HTTP semantics (items 2), Bundles, conditional update, wider history and $validate
(item 3), and SMART discovery (item 4), each on a minimal service against the real
PostgreSQL, so every CareCoord service inherits them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from carecoord_shared.fhir.definitions import code_system
from carecoord_shared.fhir.registry import (
    READ_ONLY,
    FhirRegistry,
    ResourceDefinition,
    SearchParam,
    nhs_number_at,
)
from carecoord_shared.security.dev_issuer import DevIssuer
from shared.tests.example_service import example_settings, running

NHS = "9990000018"
SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


@pytest.fixture
async def fhir(fresh_database_url: str, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    issuer = DevIssuer(tmp_path / "issuer")
    settings = example_settings(
        fresh_database_url, issuer, auth_server_url="https://auth.example/oauth2"
    )
    registry = FhirRegistry("example", topic=settings.topic).add(
        ResourceDefinition(
            "Condition",
            patient_nhs=nhs_number_at("Condition.subject"),
            search_params=(
                SearchParam("identifier", "token", "Condition.identifier"),
                SearchParam("subject", "reference", "Condition.subject", ("Patient",)),
            ),
        ),
        ResourceDefinition(
            "Goal",
            narrative=True,
            patient_nhs=nhs_number_at("Goal.subject"),
            search_params=(SearchParam("addresses", "reference", "Goal.addresses"),),
        ),
        ResourceDefinition("Organization", interactions=READ_ONLY),
    )
    registry.published[("CodeSystem", "outcome")] = code_system(
        "outcome", "Outcomes", "Example outcomes.", {"done": "Done"}
    )
    registry.published[("CodeSystem", "urgency")] = code_system(
        "urgency", "Urgency", "Example urgencies.", {"soon": "Soon"}
    )
    system = f"Bearer {issuer.mint('system')}"
    async with running(settings, registry, Authorization=system) as (_app, client):
        yield {"client": client}


def _condition(identifier: str = "c-1", text: str = "asthma") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "identifier": [{"system": "https://x.example/c", "value": identifier}],
        "subject": {"identifier": {"system": SYSTEM, "value": NHS}},
        "code": {"text": text},
    }


async def test_location_only_on_201_and_content_location_otherwise(fhir: dict[str, Any]) -> None:
    client = fhir["client"]
    made = await client.post("/fhir/Condition", json=_condition())
    assert made.status_code == 201
    assert made.headers["location"].endswith("/_history/1")
    assert "content-location" not in made.headers
    condition_id = made.json()["id"]
    updated = await client.put(
        f"/fhir/Condition/{condition_id}", json=_condition() | {"id": condition_id}
    )
    assert updated.status_code == 200
    assert "location" not in updated.headers
    assert updated.headers["content-location"].endswith(f"/Condition/{condition_id}/_history/2")


async def test_prefer_return_is_honoured(fhir: dict[str, Any]) -> None:
    client = fhir["client"]
    minimal = await client.post(
        "/fhir/Condition", json=_condition("m"), headers={"Prefer": "return=minimal"}
    )
    assert (minimal.status_code, minimal.content) == (201, b"")
    assert minimal.headers["etag"] == 'W/"1"'
    outcome = await client.post(
        "/fhir/Condition", json=_condition("o"), headers={"Prefer": "return=OperationOutcome"}
    )
    assert outcome.status_code == 201
    assert outcome.json()["resourceType"] == "OperationOutcome"


async def test_if_none_match_gives_304_and_head_works(fhir: dict[str, Any]) -> None:
    client = fhir["client"]
    made = await client.post("/fhir/Condition", json=_condition())
    url = f"/fhir/Condition/{made.json()['id']}"
    same = await client.get(url, headers={"If-None-Match": 'W/"1"'})
    assert (same.status_code, same.content) == (304, b"")
    assert (await client.get(url, headers={"If-None-Match": 'W/"7"'})).status_code == 200
    head = await client.head(url)
    assert head.status_code == 200
    assert head.headers["etag"] == 'W/"1"'
    assert (await client.head("/fhir/Condition")).status_code == 200


async def test_405_says_what_is_allowed(fhir: dict[str, Any]) -> None:
    refused = await fhir["client"].put(
        "/fhir/Organization/o1", json={"resourceType": "Organization", "id": "o1"}
    )
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD"
    assert refused.json()["issue"][0]["code"] == "not-supported"


@pytest.mark.parametrize(
    ("query", "headers"),
    [("?_format=xml", {}), ("", {"Accept": "application/fhir+xml"})],
    ids=["format-parameter", "accept-header"],
)
async def test_xml_is_406(fhir: dict[str, Any], query: str, headers: dict[str, str]) -> None:
    answer = await fhir["client"].get(f"/fhir/Condition{query}", headers=headers)
    assert answer.status_code == 406
    assert answer.json()["resourceType"] == "OperationOutcome"


async def test_search_parameters_on_a_create_are_refused(fhir: dict[str, Any]) -> None:
    client = fhir["client"]
    refused = await client.post("/fhir/Condition?identifier=c-1", json=_condition())
    assert refused.status_code == 400
    assert refused.json()["issue"][0]["expression"] == ["If-None-Exist"]
    listed = await client.get("/fhir/Condition")
    assert listed.status_code == 200
    assert listed.json().get("entry", []) == []


async def test_conditional_update_creates_updates_or_refuses(fhir: dict[str, Any]) -> None:
    client = fhir["client"]
    url = "/fhir/Condition?identifier=https://x.example/c|c-9"
    created = await client.put(url, json=_condition("c-9"))
    assert created.status_code == 201
    updated = await client.put(url, json=_condition("c-9", "copd"))
    assert updated.status_code == 200
    assert updated.json()["id"] == created.json()["id"]
    assert updated.json()["meta"]["versionId"] == "2"
    await client.post("/fhir/Condition", json=_condition("c-9"))
    ambiguous = await client.put(url, json=_condition("c-9"))
    assert ambiguous.status_code == 412


async def test_type_and_system_history(fhir: dict[str, Any]) -> None:
    client = fhir["client"]
    made = await client.post("/fhir/Condition", json=_condition())
    cid = made.json()["id"]
    await client.put(f"/fhir/Condition/{cid}", json=_condition() | {"id": cid})
    goal = {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "description": {"text": "walk to the shop"},
        "subject": {"identifier": {"system": SYSTEM, "value": NHS}},
    }
    await client.post("/fhir/Goal", json=goal)
    typed = await client.get("/fhir/Condition/_history")
    assert typed.status_code == 200
    assert [e["resource"]["meta"]["versionId"] for e in typed.json()["entry"]] == ["2", "1"]
    everything = await client.get("/fhir/_history")
    Bundle.model_validate(everything.json())
    assert sorted(e["resource"]["resourceType"] for e in everything.json()["entry"]) == [
        "Condition",
        "Condition",
        "Goal",
    ]


async def test_validate_checks_without_storing(fhir: dict[str, Any]) -> None:
    client = fhir["client"]
    fine = await client.post("/fhir/Condition/$validate", json=_condition())
    assert fine.status_code == 200
    assert fine.json()["issue"][0]["severity"] == "information"
    bad = _condition() | {"subject": {"identifier": {"system": SYSTEM, "value": "9990000019"}}}
    wrapped = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": bad}]}
    found = await client.post("/fhir/Condition/$validate", json=wrapped)
    assert found.status_code == 200
    assert found.json()["issue"][0]["severity"] == "error"
    assert (await client.get("/fhir/Condition")).json().get("entry", []) == []


async def test_smart_discovery_needs_no_token_and_matches_the_statement(
    fhir: dict[str, Any],
) -> None:
    anonymous = httpx.AsyncClient(transport=fhir["client"]._transport, base_url="http://x")
    async with anonymous:
        for path in ("/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"):
            found = await anonymous.get(path)
            assert found.status_code == 200
            assert found.json()["authorization_endpoint"] == "https://auth.example/oauth2/authorize"
            assert "S256" in found.json()["code_challenge_methods_supported"]
    statement = (await fhir["client"].get("/fhir/metadata")).json()
    CapabilityStatement.model_validate(statement)
    [oauth] = statement["rest"][0]["security"]["extension"]
    assert {e["url"]: e["valueUri"] for e in oauth["extension"]} == {
        "authorize": "https://auth.example/oauth2/authorize",
        "token": "https://auth.example/oauth2/token",
    }


def _transaction(entries: list[dict[str, Any]], kind: str = "transaction") -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def _goal_addressing(reference: str) -> dict[str, Any]:
    return {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "description": {"text": "breathe easier"},
        "subject": {"identifier": {"system": SYSTEM, "value": NHS}},
        "addresses": [{"reference": reference}],
    }


async def test_a_transaction_resolves_urn_uuids_and_commits_together(fhir: dict[str, Any]) -> None:
    client = fhir["client"]
    entries = [
        {
            "fullUrl": "urn:uuid:9f0c5d44-3b4e-4c53-9d2b-0c8b1a8f0a11",
            "resource": _condition("t-1"),
            "request": {"method": "POST", "url": "Condition"},
        },
        {
            "fullUrl": "urn:uuid:1b9f7e8e-6a55-4a4e-8d0c-2f2c4a0c9b22",
            "resource": _goal_addressing("urn:uuid:9f0c5d44-3b4e-4c53-9d2b-0c8b1a8f0a11"),
            "request": {"method": "POST", "url": "Goal"},
        },
    ]
    answer = await client.post("/fhir", json=_transaction(entries))
    assert answer.status_code == 200
    body = answer.json()
    Bundle.model_validate(body)
    assert body["type"] == "transaction-response"
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created", "201 Created"]
    condition_id = body["entry"][0]["resource"]["id"]
    goal = body["entry"][1]["resource"]
    assert goal["addresses"] == [{"reference": f"Condition/{condition_id}"}]
    found = await client.get(f"/fhir/Goal?addresses=Condition/{condition_id}")
    assert [e["resource"]["id"] for e in found.json()["entry"]] == [goal["id"]]


async def test_a_failing_transaction_leaves_nothing_and_a_batch_keeps_going(
    fhir: dict[str, Any],
) -> None:
    client = fhir["client"]
    bad = _condition("t-2") | {"subject": {"identifier": {"system": SYSTEM, "value": "9990000019"}}}
    entries = [
        {"resource": _condition("t-1"), "request": {"method": "POST", "url": "Condition"}},
        {"resource": bad, "request": {"method": "POST", "url": "Condition"}},
    ]
    failed = await client.post("/fhir", json=_transaction(entries))
    assert failed.status_code == 400
    assert failed.json()["resourceType"] == "OperationOutcome"
    assert (await client.get("/fhir/Condition")).json().get("entry", []) == []
    batch = await client.post("/fhir", json=_transaction(entries, "batch"))
    assert batch.status_code == 200
    statuses = [e["response"]["status"] for e in batch.json()["entry"]]
    assert statuses == ["201 Created", "400"]
    assert batch.json()["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    listed = await client.get("/fhir/Condition")
    assert len(listed.json()["entry"]) == 1


async def test_published_definitions_need_no_token_and_are_listed(fhir: dict[str, Any]) -> None:
    anonymous = httpx.AsyncClient(transport=fhir["client"]._transport, base_url="http://x")
    async with anonymous:
        one = await anonymous.get("/fhir/CodeSystem/outcome")
        assert one.status_code == 200
        assert one.json()["concept"] == [{"code": "done", "display": "Done"}]
        found = await anonymous.get("/fhir/CodeSystem", params={"url": one.json()["url"]})
        assert [e["resource"]["id"] for e in found.json()["entry"]] == ["outcome"]
        assert (await anonymous.get("/fhir/CodeSystem/nothing")).status_code == 404
    statement = (await fhir["client"].get("/fhir/metadata")).json()
    assert "CodeSystem" in {r["type"] for r in statement["rest"][0]["resource"]}


async def test_narrative_is_generated_for_the_types_people_read(fhir: dict[str, Any]) -> None:
    made = await fhir["client"].post("/fhir/Goal", json=_goal_addressing("Condition/x"))
    assert made.status_code == 201
    assert made.json()["text"]["status"] == "generated"
    assert "breathe easier" in made.json()["text"]["div"]


async def test_a_relative_code_or_identifier_system_is_refused(fhir: dict[str, Any]) -> None:
    body = _condition() | {"identifier": [{"system": "../../etc", "value": "1"}]}
    refused = await fhir["client"].post("/fhir/Condition", json=body)
    assert refused.status_code == 400
    assert refused.json()["issue"][0]["expression"] == ["Condition.identifier[0].system"]
