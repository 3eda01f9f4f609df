"""The CapabilityStatement is generated from the registry and claims nothing more."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from carecoord_shared.fhir.capability import capability_statement
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult
from carecoord_shared.fhir.registry import (
    READ_ONLY,
    FhirRegistry,
    Interaction,
    ResourceDefinition,
    SearchParam,
)


def _registry() -> FhirRegistry:
    return (
        FhirRegistry("demo")
        .add(
            ResourceDefinition(
                "ServiceRequest",
                search_params=(
                    SearchParam("status", "token", "ServiceRequest.status"),
                    SearchParam(
                        "performer", "reference", "ServiceRequest.performer", ("HealthcareService",)
                    ),
                    SearchParam("authored", "date", "ServiceRequest.authoredOn"),
                ),
                documentation="Requests",
            ),
            ResourceDefinition(
                "Task",
                search_params=(
                    SearchParam("focus", "reference", "Task.focus", ("ServiceRequest",)),
                ),
            ),
            ResourceDefinition(
                "HealthcareService",
                interactions=READ_ONLY,
                conditional_create=False,
                search_params=(SearchParam("name", "string", "HealthcareService.name"),),
            ),
        )
        .declare(
            Operation(
                "triage", "Triage", "Triage a request", _never_called, resource="ServiceRequest"
            )
        )
    )


async def _never_called(call: OperationCall) -> OperationResult:
    raise AssertionError("the capability statement never invokes an operation")


@pytest.fixture
def statement() -> dict[str, Any]:
    return capability_statement(_registry(), "https://x.example/fhir", "CareCoord")


def _resources(statement: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (rest,) = statement["rest"]
    return {r["type"]: r for r in rest["resource"]}


def test_the_statement_is_a_valid_r4_capability_statement(statement: dict[str, Any]) -> None:
    model = CapabilityStatement.model_validate(statement)

    assert model.fhirVersion == "4.0.1"
    assert model.kind == "instance"
    assert statement["rest"][0]["mode"] == "server"


def test_it_lists_exactly_the_registered_types_and_the_audit_trail(
    statement: dict[str, Any],
) -> None:
    assert set(_resources(statement)) == {
        "ServiceRequest",
        "Task",
        "HealthcareService",
        "AuditEvent",
    }
    assert {i["code"] for i in _resources(statement)["AuditEvent"]["interaction"]} == {
        "read",
        "search-type",
    }


def test_each_type_lists_exactly_its_declared_interactions(statement: dict[str, Any]) -> None:
    resources = _resources(statement)

    assert {i["code"] for i in resources["ServiceRequest"]["interaction"]} == {
        *(i.value for i in Interaction),
        "history-type",
    }
    assert {i["code"] for i in resources["HealthcareService"]["interaction"]} == {
        "read",
        "vread",
        "history-instance",
        "history-type",
        "search-type",
    }
    assert resources["HealthcareService"]["updateCreate"] is False
    assert resources["HealthcareService"]["conditionalCreate"] is False


def test_each_type_lists_its_search_params_and_the_common_ones(statement: dict[str, Any]) -> None:
    params = {
        kind: {(p["name"], p["type"]) for p in r["searchParam"]}
        for kind, r in _resources(statement).items()
    }

    common = {("_id", "token"), ("_lastUpdated", "date")}
    assert params["ServiceRequest"] == {
        *common,
        ("status", "token"),
        ("performer", "reference"),
        ("authored", "date"),
    }
    assert params["Task"] == {*common, ("focus", "reference")}


def test_includes_and_revincludes_come_from_declared_references(statement: dict[str, Any]) -> None:
    resources = _resources(statement)

    assert resources["ServiceRequest"]["searchInclude"] == ["ServiceRequest:performer"]
    assert resources["ServiceRequest"]["searchRevInclude"] == ["Task:focus"]
    assert resources["HealthcareService"]["searchRevInclude"] == ["ServiceRequest:performer"]
    assert resources["Task"]["searchRevInclude"] == []


def test_operations_are_listed_under_their_resource_type(statement: dict[str, Any]) -> None:
    resources = _resources(statement)

    assert [op["name"] for op in resources["ServiceRequest"]["operation"]] == ["triage"]
    assert "operation" not in resources["Task"]


def test_summary_and_elements_are_listed_once_for_every_type(statement: dict[str, Any]) -> None:
    rest = statement["rest"][0]

    assert [(p["name"], p["type"]) for p in rest["searchParam"]] == [
        ("_summary", "token"),
        ("_elements", "special"),
    ]
