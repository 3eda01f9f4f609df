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
from carecoord_shared.fhir.http import json_response, read_body
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, is_valid_nhs_number
from carecoord_shared.fhir.outcome import bad_request, unknown_route
from carecoord_shared.fhir.parameters import Parameters
from carecoord_shared.fhir.parsing import decode_json
from carecoord_shared.fhir.registry import OperationDeclaration
from carecoord_shared.security import access
from carecoord_shared.security.fastapi import CurrentPrincipal

BREAK_GLASS = OperationDeclaration(
    "$break-glass",
    "",
    instance=False,
    documentation="Record an emergency access to a patient with a reason (Parameters: "
    "patient (Identifier, NHS number), reason (string), minutes (integer, default 60)). "
    "Audited; opens access in this service until it expires.",
)

router = APIRouter(tags=["FHIR operations"])


@router.post("/fhir/$break-glass", summary="Emergency access to a patient, with a reason")
async def break_glass(request: Request, principal: CurrentPrincipal) -> Response:
    limit = int(request.app.state.settings.max_body_bytes)
    parameters = Parameters(decode_json(await read_body(request, limit)))
    patient = parameters.value("patient", "Identifier")
    nhs_number = str(patient.get("value", "")) if isinstance(patient, dict) else ""
    if patient.get("system") != NHS_NUMBER_SYSTEM or not is_valid_nhs_number(nhs_number):
        raise bad_request("The patient must be identified by a valid NHS number", ("patient",))
    reason = str(parameters.value("reason", "String"))
    minutes = parameters.value("minutes", "Integer", required=False) or 60
    async with request.app.state.engine.begin() as conn:
        await access.record_break_glass(conn, principal, nhs_number, reason, int(minutes))
    return json_response(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "information",
                    "code": "informational",
                    "diagnostics": f"Break-glass access recorded for {int(minutes)} minutes "
                    "(audited).",
                }
            ],
        }
    )


@router.get("/asyncapi.json", tags=["ops"], summary="AsyncAPI document of this service's events")
async def asyncapi_document(request: Request) -> Response:
    catalogue: SchemaCatalogue | None = request.app.state.event_catalogue
    if catalogue is None:
        raise unknown_route("This service publishes no events")
    settings = request.app.state.settings
    return JSONResponse(asyncapi(settings.service_name, settings.topic, catalogue, partitions=3))
