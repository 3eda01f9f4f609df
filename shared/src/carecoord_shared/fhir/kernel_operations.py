"""Operations every service offers, whatever it serves: break-glass and its event catalogue.

Break-glass (ARCHITECTURE.md, security model): a clinician with no recorded
relationship to a patient may still need their record in an emergency. They state a
reason; the override is recorded and audited, and opens access for a short time
(default 60 minutes) in this service only. `/asyncapi.json` publishes the events the
service produces, generated from the JSON Schemas it validates them with.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from carecoord_shared.events.schemas import SchemaCatalogue, asyncapi
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, is_valid_nhs_number
from carecoord_shared.fhir.operations import (
    Operation,
    OperationCall,
    OperationResult,
    Param,
    parameter_path,
)
from carecoord_shared.fhir.outcome import bad_request, unknown_route
from carecoord_shared.security.break_glass import REASON_CODES


async def _break_glass(call: OperationCall) -> OperationResult:
    patient = call.arguments.get("patient")
    nhs_number = str(patient.get("value", ""))
    if patient.get("system") != NHS_NUMBER_SYSTEM or not is_valid_nhs_number(nhs_number):
        raise bad_request(
            "The patient must be identified by a valid NHS number", (parameter_path("patient"),)
        )
    given = call.arguments.number("minutes")
    minutes = 60 if given is None else given
    code, reason = str(call.arguments.text("reasonCode")), str(call.arguments.text("reason"))
    async with call.fhir.operation(call.principal) as tx:
        await tx.break_glass(nhs_number, code, reason, minutes)
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "information",
                "code": "informational",
                "diagnostics": f"Break-glass access recorded for {minutes} minutes (audited).",
            }
        ],
    }
    return OperationResult(outcome)


BREAK_GLASS = Operation(
    "break-glass",
    "Emergency access to a patient, with a reason",
    "Record an emergency access to a patient with a reason. Audited; opens access in "
    "this service until it expires.",
    _break_glass,
    level="system",
    inputs=(
        Param("patient", "Identifier", 1, 1, "The patient, by NHS number."),
        Param(
            "reasonCode",
            "code",
            1,
            1,
            "Why the glass is broken.",
            values=tuple(REASON_CODES),
        ),
        Param("reason", "string", 1, 1, "What is happening, in a few words of substance."),
        Param("minutes", "integer", 0, 1, "How long access lasts: 1 to 480 (default 60)."),
    ),
    outputs=(Param("return", "OperationOutcome", 1, 1, "What was recorded."),),
)

router = APIRouter(tags=["FHIR operations"])


@router.get("/asyncapi.json", tags=["ops"], summary="AsyncAPI document of this service's events")
async def asyncapi_document(request: Request) -> Response:
    catalogue: SchemaCatalogue | None = request.app.state.event_catalogue
    if catalogue is None:
        raise unknown_route("This service publishes no events")
    settings = request.app.state.settings
    document = asyncapi(
        settings.service_name,
        settings.topic,
        catalogue,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        fhir_base=settings.fhir_base,
        partitions=3,
    )
    return JSONResponse(document)
