"""The referrals service's own routes: submission, `$triage`, the response report.

Thin (parse -> handler -> render). Mounted before the generic FHIR routes, so
`POST /fhir/ServiceRequest` is the submission path (UBRN, routing, triage Task in
one transaction) rather than the generic create.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from carecoord_shared.fhir.http import (
    fhir_response,
    json_response,
    parse_etag,
    read_body,
    resource_headers,
)
from carecoord_shared.fhir.parsing import check_id, decode_json
from carecoord_shared.fhir.registry import OperationDeclaration
from carecoord_shared.security.fastapi import CurrentPrincipal, require_operation
from referrals.api.params import triage_request
from referrals.service import report
from referrals.service.context import Referrals
from referrals.service.submission import submit
from referrals.service.triage import TriageResult, history, triage

router = APIRouter(prefix="/fhir", tags=["referrals"])

OPERATIONS = (
    OperationDeclaration(
        "triage",
        "ServiceRequest",
        True,
        "Apply a triage outcome (advice-given, accepted, redirected, rejected, "
        "information-requested, converted, cancelled). Parameters: outcome, note, reason "
        "(coded, required for rejected), redirectTo (HealthcareService, for redirected). "
        "If-Match with the request's version makes a stale decision answer 412.",
    ),
    OperationDeclaration(
        "triage-history",
        "ServiceRequest",
        True,
        "Every triage transition of the request (outcome, from, to, who, role, "
        "organisation, when, reason), oldest first.",
    ),
    OperationDeclaration(
        "response-report",
        "HealthcareService",
        True,
        "MeasureReport of the service's A&G/referral responses: median response time in "
        "working days and the share answered within target.",
    ),
)


def _context(request: Request) -> Referrals:
    value: Referrals = request.app.state.referrals
    return value


def _limit(request: Request) -> int:
    return int(request.app.state.settings.max_body_bytes)


def _base(request: Request) -> str:
    return str(request.app.state.settings.fhir_base)


@router.post("/ServiceRequest", summary="Submit an A&G request or referral (UBRN, routing, Task)")
async def submit_request(
    request: Request,
    principal: CurrentPrincipal,
    if_none_exist: Annotated[str | None, Header(alias="If-None-Exist")] = None,
) -> Response:
    body = decode_json(await read_body(request, _limit(request)))
    async with request.app.state.fhir.transaction(principal) as tx:
        stored, created = await submit(tx, _context(request), body, if_none_exist)
    headers = resource_headers(stored, _base(request))
    return fhir_response(stored.content or b"", 201 if created else 200, headers)


def _triage_result(result: TriageResult) -> dict[str, object]:
    parameters: list[dict[str, object]] = [
        {"name": "state", "valueCode": result.state.value},
        {"name": "serviceRequest", "valueReference": {"reference": result.request.reference}},
        {"name": "task", "valueReference": {"reference": result.task}},
    ]
    if result.referral:
        parameters.append({"name": "referral", "valueReference": {"reference": result.referral}})
    return {"resourceType": "Parameters", "parameter": parameters}


@router.post("/ServiceRequest/{request_id}/$triage", summary="Apply a triage outcome")
async def triage_operation(
    request: Request,
    request_id: str,
    principal: CurrentPrincipal,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response:
    require_operation(principal, "ServiceRequest", "triage", changes_state=True)
    body = decode_json(await read_body(request, _limit(request)))
    command = triage_request(request_id, body, parse_etag(if_match))
    async with request.app.state.fhir.transaction(principal) as tx:
        result = await triage(tx, _context(request), command)
    return json_response(_triage_result(result), 200, {"ETag": result.request.etag})


@router.get("/HealthcareService/{service_id}/$response-report", summary="Response report")
async def response_report(
    request: Request, service_id: str, principal: CurrentPrincipal
) -> Response:
    require_operation(principal, "HealthcareService", "response-report", changes_state=False)
    async with request.app.state.fhir.transaction(principal) as tx:
        measure = await report.response_report(
            tx, _context(request), check_id("HealthcareService", service_id)
        )
    return json_response(measure)


@router.get("/ServiceRequest/{request_id}/$triage-history", summary="Every triage transition")
async def triage_history(
    request: Request, request_id: str, principal: CurrentPrincipal
) -> Response:
    require_operation(principal, "ServiceRequest", "triage-history", changes_state=False)
    async with request.app.state.fhir.transaction(principal) as tx:
        found = await history(tx, check_id("ServiceRequest", request_id))
    return json_response(found)
