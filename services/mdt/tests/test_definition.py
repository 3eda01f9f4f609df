"""The service's declaration as callers see it: CapabilityStatement, operations, events.

Every operation is listed on its type in the CapabilityStatement, has an
OperationDefinition that validates as R4 and says what each parameter is, and (all
of them changing state) answers POST only: any other method is 405 with `Allow`.
"""

from __future__ import annotations

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationdefinition import OperationDefinition

from mdt.definition import SERVICE
from services.mdt.tests.conftest import Mdt, outcome_codes

EXPECTED = {
    "CareTeam": {"schedule-meetings", "nominate"},
    "Appointment": {"assemble-case-list", "record-attendance"},
    "Task": {"prepare", "record-outcome", "acknowledge", "complete"},
}
CODES = sorted(code for codes in EXPECTED.values() for code in codes)


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
    assert listed == EXPECTED


@pytest.mark.parametrize("code", CODES)
async def test_each_operation_definition_validates_as_r4(mdt: Mdt, code: str) -> None:
    response = await mdt.client.get(f"/fhir/OperationDefinition/{code}")
    assert response.status_code == 200, response.text
    definition = OperationDefinition.model_validate(response.json())
    assert definition.code == code
    assert definition.affectsState is True
    assert definition.instance is True


async def test_minutes_spent_is_declared_a_decimal(mdt: Mdt) -> None:
    definition = (await mdt.client.get("/fhir/OperationDefinition/record-outcome")).json()
    types = {p["name"]: p.get("type") for p in definition["parameter"] if p["use"] == "in"}
    assert types["minutesSpent"] == "decimal"
    assert types["status"] == "code"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_operations_that_change_state_answer_post_only(
    mdt: Mdt, ids: dict[str, str], method: str
) -> None:
    for operation in SERVICE.operations:
        target = {"CareTeam": ids["team"], "Appointment": ids["meeting"], "Task": ids["case"]}
        path = f"/fhir/{operation.resource}/{target[str(operation.resource)]}/{operation.name}"
        response = await mdt.client.request(method, path, headers=mdt.auth())
        assert response.status_code == 405, (path, response.text)
        assert response.headers["Allow"] == "POST"
        assert outcome_codes(response) == ["not-supported"]


async def test_asyncapi_lists_the_seven_mdt_events(mdt: Mdt) -> None:
    document = (await mdt.client.get("/asyncapi.json")).json()
    assert len(document["components"]["messages"]) == 7
