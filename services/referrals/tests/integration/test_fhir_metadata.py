"""`/fhir/metadata` is a valid R4 CapabilityStatement that claims exactly what is served.

The statement is compared with the registry the service is built from, and every
claim in it is then exercised over HTTP: each interaction, each search parameter
under strict handling, and each include and revinclude.
"""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from carecoord_shared.fhir.registry import FhirRegistry
from services.referrals.tests.bodies import (
    FHIR_JSON,
    NHS_NUMBER_SYSTEM,
    service_request,
    triage_task,
)
from services.referrals.tests.conftest import (
    BASE_URL,
    CONFIGURATION_TYPES,
    Referrals,
    new_nhs_number,
)

SAMPLE_VALUES = {"token": "x", "reference": "Organization/x", "date": "ge2024", "string": "x"}


def _minimal(resource_type: str) -> dict[str, Any]:
    nhs = new_nhs_number()
    subject = {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs}}
    return {
        "ServiceRequest": service_request(nhs),
        "Task": triage_task("ServiceRequest/none", nhs),
        "Communication": {
            "resourceType": "Communication",
            "status": "completed",
            "subject": subject,
        },
        "DocumentReference": {
            "resourceType": "DocumentReference",
            "status": "current",
            "subject": subject,
            "content": [{"attachment": {"contentType": "text/plain", "data": "aGk="}}],
        },
        "Organization": {"resourceType": "Organization", "name": "An organisation"},
    }.get(resource_type, {"resourceType": resource_type})


@pytest.fixture(scope="module")
async def statement(referrals: Referrals) -> dict[str, Any]:
    response = await referrals.client.get("/fhir/metadata")  # no token: metadata is public
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    statement: dict[str, Any] = response.json()
    return statement


def _resources(statement: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (rest,) = statement["rest"]
    return {entry["type"]: entry for entry in rest["resource"]}


KERNEL_TYPES = {"AuditEvent", "Patient", "StructureDefinition", "CodeSystem", "ValueSet"}
"""Served by the kernel in every service, not declared by referrals: the audit trail
(read and search, for information governance and the patient), the definitions
referrals publishes (read-only), and Patient only for `$paramedic-summary`."""


def _declared(statement: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The statement's entries for the types referrals itself declares."""
    return {k: v for k, v in _resources(statement).items() if k not in KERNEL_TYPES}


def test_metadata_is_a_valid_r4_capability_statement(statement: dict[str, Any]) -> None:
    model = CapabilityStatement.model_validate(statement)

    assert model.fhirVersion == "4.0.1"
    assert model.kind == "instance"
    assert FHIR_JSON in statement["format"]
    assert statement["implementation"]["url"] == f"{BASE_URL}/fhir"
    (rest,) = statement["rest"]
    assert rest["mode"] == "server"
    assert {i["code"] for i in rest["interaction"]} == {"transaction", "batch", "history-system"}


def _registry(referrals: Referrals) -> FhirRegistry:
    """The registry the running service was built from."""
    registry: FhirRegistry = referrals.app.state.registry
    return registry


def test_metadata_lists_exactly_the_registered_types(
    referrals: Referrals, statement: dict[str, Any]
) -> None:
    registry = _registry(referrals)

    assert set(_resources(statement)) - set(registry.definitions) == KERNEL_TYPES
    assert (
        set(_declared(statement))
        == set(registry.definitions)
        == {
            "ServiceRequest",
            "Task",
            "Communication",
            "DocumentReference",
            "Organization",
            "HealthcareService",
            "PractitionerRole",
            "Measure",
        }
    )


def test_metadata_lists_each_types_declared_interactions_and_search_params(
    referrals: Referrals, statement: dict[str, Any]
) -> None:
    for definition in _registry(referrals).all():
        entry = _resources(statement)[definition.type]
        history_type = {"history-type"} if "history-instance" in definition.interactions else set()
        assert {i["code"] for i in entry["interaction"]} == {
            *(i.value for i in definition.interactions),
            *history_type,
        }
        assert {(p["name"], p["type"]) for p in entry["searchParam"]} == {
            ("_id", "token"),
            ("_lastUpdated", "date"),
            *((p.name, p.type) for p in definition.search_params),
        }


async def test_every_claimed_interaction_is_served(
    referrals: Referrals, statement: dict[str, Any]
) -> None:
    for resource_type, entry in _declared(statement).items():
        if resource_type == "Measure":
            continue  # read-only, written at start-up (test_measures)
        claimed = {i["code"] for i in entry["interaction"]}
        assert claimed == {
            "create", "read", "vread", "update", "patch", "delete", "history-instance",
            "history-type", "search-type",
        }  # fmt: skip
        created = await referrals.create(_minimal(resource_type))
        url = f"/fhir/{resource_type}/{created['id']}"
        auth = referrals.auth()
        writer = (
            referrals.admin() if resource_type in CONFIGURATION_TYPES else referrals.write_headers()
        )
        statuses = [
            (await referrals.client.get(url, headers=auth)).status_code,
            (await referrals.client.get(f"{url}/_history/1", headers=auth)).status_code,
            (await referrals.client.put(url, json=created, headers=writer)).status_code,
            (
                await referrals.client.patch(
                    url,
                    json=[{"op": "add", "path": "/language", "value": "en-GB"}],
                    headers={**writer, "Content-Type": "application/json-patch+json"},
                )
            ).status_code,
            (await referrals.client.get(f"{url}/_history", headers=auth)).status_code,
            (await referrals.client.get(f"/fhir/{resource_type}", headers=auth)).status_code,
            (
                await referrals.client.get(f"/fhir/{resource_type}/_history", headers=auth)
            ).status_code,
            (await referrals.client.delete(url, headers=writer)).status_code,
        ]
        assert statuses == [200, 200, 200, 200, 200, 200, 200, 204], resource_type


async def test_every_claimed_search_parameter_is_accepted_under_strict_handling(
    referrals: Referrals, statement: dict[str, Any]
) -> None:
    headers = {**referrals.auth(), "Prefer": "handling=strict"}
    refused = []
    for resource_type, entry in _declared(statement).items():
        for param in entry["searchParam"]:
            response = await referrals.client.get(
                f"/fhir/{resource_type}",
                params={param["name"]: SAMPLE_VALUES[param["type"]]},
                headers=headers,
            )
            if response.status_code != 200:
                refused.append((resource_type, param["name"], response.status_code))
    assert refused == []


async def test_every_claimed_include_and_revinclude_is_accepted(
    referrals: Referrals, statement: dict[str, Any]
) -> None:
    refused = []
    claims = 0
    for resource_type, entry in _declared(statement).items():
        for control, values in (
            ("_include", entry["searchInclude"]),
            ("_revinclude", entry["searchRevInclude"]),
        ):
            for value in values:
                claims += 1
                response = await referrals.client.get(
                    f"/fhir/{resource_type}", params={control: value}, headers=referrals.auth()
                )
                if response.status_code != 200:
                    refused.append((resource_type, control, value, response.status_code))
    assert refused == []
    assert claims > 10
    assert "Task:focus" in _resources(statement)["ServiceRequest"]["searchRevInclude"]
    assert "ServiceRequest:performer" in _resources(statement)["ServiceRequest"]["searchInclude"]
