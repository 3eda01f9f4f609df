"""Routes of the paramedic advice lines: look-up, recording a call, measures, the summary.

Thin: parse, one handler in one transaction, render. The summary and the call record
are about a patient, so they run through `FhirTransaction` (access rule and audit).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from carecoord_shared.fhir.http import fhir_response, json_response, read_body, resource_headers
from carecoord_shared.fhir.identifiers import is_valid_nhs_number
from carecoord_shared.fhir.outcome import bad_request
from carecoord_shared.fhir.parsing import check_id, decode_json
from carecoord_shared.fhir.registry import OperationDeclaration
from carecoord_shared.security.fastapi import CurrentPrincipal, require, require_operation
from referrals.api import params
from referrals.service.advice_lines import AdviceLine, advice_lines, record_call
from referrals.service.context import Referrals
from referrals.service.conveyance import avoided_conveyance
from referrals.service.paramedic import paramedic_summary

router = APIRouter(prefix="/fhir", tags=["advice lines"])

OPERATIONS = (
    OperationDeclaration(
        "advice-lines",
        "HealthcareService",
        False,
        "Open advice lines for `specialty` (token) and `locality` at `at` (date-time, default "
        "now), each with its on-call specialists in ringing order.",
    ),
    OperationDeclaration(
        "record-advice-call",
        "Communication",
        False,
        "Record a paramedic's advice-line call (Parameters: adviceLine, patient, outcome "
        "conveyed|not-conveyed|referred|other, note, followUpNeeded, locality) as a "
        "Communication with medium phone; opens a time-limited advice-call access.",
    ),
    OperationDeclaration(
        "avoided-conveyance",
        "HealthcareService",
        True,
        "MeasureReport: share of an advice line's calls that avoided conveyance, per locality.",
    ),
    OperationDeclaration(
        "paramedic-summary",
        "Patient",
        True,
        "Named co-ordinator, care plan and end-of-life preferences, open requests; for a "
        "paramedic during an advice call about the patient (id = NHS number).",
    ),
)


def _context(request: Request) -> Referrals:
    value: Referrals = request.app.state.referrals
    return value


def _lines(found: list[AdviceLine]) -> dict[str, object]:
    parameter = []
    for line in found:
        body = line.service.as_json()
        phones = [t.get("value") for t in body.get("telecom", []) if t.get("system") == "phone"]
        parts: list[dict[str, object]] = [
            {"name": "service", "valueReference": {"reference": line.service.reference}},
            *({"name": "phone", "valueString": p} for p in phones),
        ]
        for order, role in enumerate(line.on_call, start=1):
            role_body = role.as_json()
            contact = [t.get("value") for t in role_body.get("telecom", [])][:1]
            parts.append(
                {
                    "name": "onCall",
                    "part": [
                        {"name": "order", "valueInteger": order},
                        {
                            "name": "practitionerRole",
                            "valueReference": {
                                "reference": role.reference,
                                "display": (role_body.get("practitioner") or {}).get("display", ""),
                            },
                        },
                        *({"name": "phone", "valueString": c} for c in contact),
                    ],
                }
            )
        parameter.append({"name": "line", "part": parts})
    return {"resourceType": "Parameters", "parameter": parameter}


@router.get("/HealthcareService/$advice-lines", summary="Advice lines and who to ring now")
async def find_advice_lines(
    request: Request,
    principal: CurrentPrincipal,
    specialty: Annotated[str, Query(min_length=1, max_length=200)],
    locality: Annotated[str | None, Query(max_length=64)] = None,
    at: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    require_operation(principal, "HealthcareService", "advice-lines", changes_state=False)
    when = params.moment(at, _context(request).now())
    async with request.app.state.fhir.transaction(principal) as tx:
        found = await advice_lines(tx, specialty, locality, when)
    return json_response(_lines(found))


@router.post("/Communication/$record-advice-call", summary="Record a paramedic's advice call")
async def record_advice_call(request: Request, principal: CurrentPrincipal) -> Response:
    require(principal, "Communication", "c")  # the operation creates one Communication
    limit = int(request.app.state.settings.max_body_bytes)
    command = params.advice_call(decode_json(await read_body(request, limit)))
    async with request.app.state.fhir.transaction(principal) as tx:
        stored = await record_call(tx, _context(request), command)
    base = str(request.app.state.settings.fhir_base)
    return fhir_response(stored.content or b"", 201, resource_headers(stored, base))


@router.get("/HealthcareService/{line_id}/$avoided-conveyance", summary="Avoided conveyance")
async def conveyance(request: Request, line_id: str, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "HealthcareService", "avoided-conveyance", changes_state=False)
    async with request.app.state.fhir.transaction(principal) as tx:
        report = await avoided_conveyance(
            tx, _context(request), check_id("HealthcareService", line_id)
        )
    return json_response(report)


@router.get("/Patient/{nhs_number}/$paramedic-summary", summary="The paramedic summary")
async def summary(request: Request, nhs_number: str, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "Patient", "paramedic-summary", changes_state=False)
    if not is_valid_nhs_number(nhs_number):
        raise bad_request("The patient id must be a valid NHS number", ("Patient.id",), "value")
    async with request.app.state.fhir.transaction(principal) as tx:
        return json_response(await paramedic_summary(tx, nhs_number))
