"""The service's declaration as callers see it: CapabilityStatement, operations, events.

Every declared operation is listed on its type in the CapabilityStatement, has an
OperationDefinition that validates as R4 and says whether it changes state, and is
invoked only by its methods: one that changes state by POST alone, a read-only one
by GET or POST; any other method is 405 with `Allow`. The lists are the declaration's,
so an operation added to `SERVICE` is checked here without a change to this file.
"""

from __future__ import annotations

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationdefinition import OperationDefinition

from mdt.definition import SERVICE
from services.mdt.tests.conftest import Mdt, outcome_codes

OPERATIONS = {operation.code: operation for operation in SERVICE.operations}
OTHER_METHODS = ("GET", "PUT", "DELETE")
ALLOW = {True: "POST", False: "GET, HEAD, POST"}
"""What a 405 allows, by whether the operation changes state."""


async def test_metadata_lists_every_mdt_operation_on_its_type(mdt: Mdt) -> None:
    response = await mdt.client.get("/fhir/metadata")
    assert response.status_code == 200
    statement = CapabilityStatement.model_validate(response.json())
    assert statement.rest
    listed = {
        resource.type: {op.name for op in resource.operation or []}
        for resource in statement.rest[0].resource or []
        if resource.operation
    }
    declared: dict[str, set[str]] = {}
    for operation in SERVICE.operations:
        declared.setdefault(str(operation.resource), set()).add(operation.code)
    assert listed == declared


@pytest.mark.parametrize("code", sorted(OPERATIONS))
async def test_each_operation_definition_validates_as_r4(mdt: Mdt, code: str) -> None:
    response = await mdt.client.get(f"/fhir/OperationDefinition/{code}")
    assert response.status_code == 200, response.text
    definition = OperationDefinition.model_validate(response.json())
    assert definition.code == code
    assert definition.affectsState is OPERATIONS[code].changes_state
    assert definition.instance is True


async def test_minutes_spent_is_declared_a_decimal(mdt: Mdt) -> None:
    definition = (await mdt.client.get("/fhir/OperationDefinition/record-outcome")).json()
    types = {p["name"]: p.get("type") for p in definition["parameter"] if p["use"] == "in"}
    assert types["minutesSpent"] == "decimal"
    assert types["status"] == "code"


@pytest.mark.parametrize("code", sorted(OPERATIONS))
async def test_operations_answer_their_own_methods_only(
    mdt: Mdt, ids: dict[str, str], code: str
) -> None:
    operation = OPERATIONS[code]
    target = {"CareTeam": ids["team"], "Appointment": ids["meeting"], "Task": ids["case"]}
    path = f"/fhir/{operation.resource}/{target[str(operation.resource)]}/{operation.name}"
    for method in OTHER_METHODS:
        if method in operation.methods:
            continue
        response = await mdt.client.request(method, path, headers=mdt.auth())
        assert response.status_code == 405, (method, response.text)
        assert response.headers["Allow"] == ALLOW[operation.changes_state]
        assert outcome_codes(response) == ["not-supported"]


async def test_asyncapi_lists_the_seven_mdt_events(mdt: Mdt) -> None:
    document = (await mdt.client.get("/asyncapi.json")).json()
    assert len(document["components"]["messages"]) == 7
