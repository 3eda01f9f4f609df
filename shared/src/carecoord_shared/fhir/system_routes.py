"""The rest of FHIR's RESTful API: Bundles, conditional update, wider history, $validate,
and SMART discovery.

Mounted before the generic per-resource routes (whose `/{resource_type}` would
otherwise swallow `/_history`): `POST /fhir` runs a batch or transaction Bundle,
`PUT /fhir/{type}?criteria` is a conditional update, `GET /fhir/_history` and
`/fhir/{type}/_history` list recent versions the caller may see, `$validate` checks
a resource against everything a create would (without storing it), and
`/.well-known/smart-configuration` tells a client where to get a token.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from carecoord_shared.fhir.bundles import process_bundle
from carecoord_shared.fhir.http import (
    fhir_response,
    history_bundle,
    json_response,
    written,
)
from carecoord_shared.fhir.outcome import FhirError, Issue, bad_request, operation_outcome
from carecoord_shared.fhir.parsing import whole_number
from carecoord_shared.fhir.registry import Interaction
from carecoord_shared.fhir.resource_checks import checked, definition_for
from carecoord_shared.fhir.routes import PreferHeader, fhir_base, interactions, json_body
from carecoord_shared.security.fastapi import CurrentPrincipal
from carecoord_shared.settings import ServiceSettings
from carecoord_shared.store.indexing import date_range

__all__ = ["history_window", "router", "smart_configuration"]

router = APIRouter(tags=["FHIR"])
_MAX_HISTORY = 100


@router.post("/fhir", summary="Batch or transaction Bundle")
async def bundle(request: Request, principal: CurrentPrincipal) -> Response:
    body = await json_body(request)
    answer = await process_bundle(interactions(request), principal, body, fhir_base(request))
    return json_response(answer)


def history_window(request: Request) -> tuple[int, datetime | None]:
    count = min(whole_number(request.query_params.get("_count", "50"), "_count"), _MAX_HISTORY)
    since_text = request.query_params.get("_since")
    span = date_range(since_text) if since_text else None
    if since_text and span is None:
        raise bad_request("_since must be a FHIR instant", ("_since",), "value")
    return count, span[0] if span else None


@router.get("/fhir/_history", summary="Recent versions of every type this service serves")
async def system_history(request: Request, principal: CurrentPrincipal) -> Response:
    count, since = history_window(request)
    fhir = interactions(request)
    async with fhir.reads(principal) as tx:
        versions = await tx.recent([d.type for d in fhir.registry.all()], count, since)
    return fhir_response(history_bundle(fhir_base(request), versions))


@router.get("/fhir/{resource_type}/_history", summary="Recent versions of one type")
async def type_history(
    request: Request, resource_type: str, principal: CurrentPrincipal
) -> Response:
    definition_for(interactions(request).registry, principal, resource_type, Interaction.HISTORY)
    count, since = history_window(request)
    async with interactions(request).reads(principal) as tx:
        versions = await tx.recent([resource_type], count, since)
    return fhir_response(history_bundle(fhir_base(request), versions))


@router.put("/fhir/{resource_type}", summary="Conditional update (PUT Type?criteria)")
async def conditional_update(
    request: Request,
    resource_type: str,
    principal: CurrentPrincipal,
    prefer: PreferHeader = None,
) -> Response:
    body = await json_body(request)
    stored, created = await interactions(request).conditional_update(
        principal, resource_type, request.url.query, body
    )
    return written(stored, fhir_base(request), created, prefer)


@router.post("/fhir/{resource_type}/$validate", summary="Validate a resource without storing it")
async def validate(request: Request, resource_type: str, principal: CurrentPrincipal) -> Response:
    registry = interactions(request).registry
    definition = registry.get(resource_type)
    if definition is None or not principal.allows(resource_type, "r"):
        definition_for(registry, principal, resource_type, Interaction.READ)
    assert definition is not None
    body = await json_body(request)
    if body.get("resourceType") == "Parameters":
        parts = [p for p in body.get("parameter", []) if p.get("name") == "resource"]
        body = parts[0].get("resource", {}) if parts else {}
    try:
        checked(definition, body, None)
    except FhirError as error:
        return json_response(operation_outcome(error.issues))
    fine = [Issue("informational", f"The {resource_type} is valid", severity="information")]
    return json_response(operation_outcome(fine))


def smart_configuration(settings: ServiceSettings) -> dict[str, object]:
    """SMART App Launch discovery (v2): where to authorise, which scopes and methods."""
    server = settings.auth_server_url.rstrip("/")
    return {
        "issuer": settings.auth_issuer,
        "jwks_uri": settings.auth_jwks_url,
        "authorization_endpoint": f"{server}/authorize",
        "token_endpoint": f"{server}/token",
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
        ],
        "scopes_supported": [
            "openid",
            "fhirUser",
            "user/*.cruds",
            "patient/*.rs",
            "system/*.cruds",
        ],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "capabilities": [
            "launch-standalone",
            "client-confidential-symmetric",
            "client-confidential-asymmetric",
            "sso-openid-connect",
            "context-standalone-patient",
            "permission-v2",
            "permission-patient",
            "permission-user",
        ],
    }


@router.get("/.well-known/smart-configuration", include_in_schema=False)
@router.get("/fhir/.well-known/smart-configuration", summary="SMART discovery (no token needed)")
async def discovery(request: Request) -> JSONResponse:
    return JSONResponse(smart_configuration(request.app.state.settings))
