"""Routes for a service's typed operations, and the OperationDefinitions behind them.

Every declared operation gets its route here, built from its declaration: POST
always, GET too when it changes nothing (FHIR allows both; the query string is read
into the same checked arguments), 405 with an `Allow` header for any other method.
The scope check happens before the handler runs: `u` on the type for an operation
that changes state, `r` for one that does not. `/fhir/OperationDefinition` serves
the definitions generated from the same declarations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response

from carecoord_shared.fhir.definition_routes import definition_search
from carecoord_shared.fhir.http import fhir_response, json_response, parse_etag, read_body
from carecoord_shared.fhir.operation_definition import definition_id, operation_definition
from carecoord_shared.fhir.operations import (
    Operation,
    OperationCall,
    OperationResult,
    parse_body,
    parse_query,
)
from carecoord_shared.fhir.outcome import JsonObject, forbidden, method_not_allowed, unknown_route
from carecoord_shared.fhir.parsing import check_id, decode_json
from carecoord_shared.security.fastapi import CurrentPrincipal, OptionalPrincipal
from carecoord_shared.security.principal import ANONYMOUS, Principal

__all__ = ["REFUSAL", "operation_router"]

_ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
REFUSAL = "operation-method-refusal"
"""The name of the routes that refuse an operation's other methods (405): they claim the
path from the generic routes but serve nothing, so a 405's `Allow` leaves them out."""


async def _parameters(request: Request) -> JsonObject:
    """The POSTed Parameters; an operation invoked with no body at all has no input."""
    if request.headers.get("content-length") in (None, "0") and not await request.body():
        return {"resourceType": "Parameters"}
    limit = int(request.app.state.settings.max_body_bytes)
    return decode_json(await read_body(request, limit))


async def _invoke(operation: Operation, request: Request, principal: Principal | None) -> Response:
    scope_type = operation.scope_type or operation.resource
    if scope_type and principal is not None:
        letter = operation.scope_letter or ("u" if operation.changes_state else "r")
        if not principal.allows(scope_type, letter):
            raise forbidden(
                f"Your access does not allow you to invoke ${operation.code} on {scope_type}"
            )
    if request.method == "GET":
        arguments = parse_query(operation, parse_qsl(request.url.query, keep_blank_values=True))
    else:
        arguments = parse_body(operation, await _parameters(request))
    raw_id = request.path_params.get("resource_id")
    resource_id = check_id(operation.resource or "Resource", raw_id) if raw_id else None
    call = OperationCall(
        principal=principal or ANONYMOUS,
        arguments=arguments,
        resource_id=resource_id,
        context=request.app.state.context,
        fhir=request.app.state.fhir,
        if_match=parse_etag(request.headers.get("if-match")),
        base_url=str(request.app.state.settings.fhir_base),
    )
    result: OperationResult = await operation.handler(call)
    if isinstance(result.body, bytes):
        return fhir_response(result.body, result.status, result.headers)
    return json_response(result.body, result.status, result.headers)


def _route(operation: Operation) -> Callable[..., Awaitable[Response]]:
    if operation.anonymous:

        async def invoke_anonymously(request: Request, principal: OptionalPrincipal) -> Response:
            return await _invoke(operation, request, principal)

        invoke_anonymously.__name__ = f"operation_{operation.code.replace('-', '_')}"
        return invoke_anonymously

    async def invoke(request: Request, principal: CurrentPrincipal) -> Response:
        return await _invoke(operation, request, principal)

    invoke.__name__ = f"operation_{operation.code.replace('-', '_')}"
    return invoke


def _refusal(operation: Operation) -> Callable[..., Awaitable[Response]]:
    async def refuse() -> Response:
        error = method_not_allowed(
            f"${operation.code} is invoked with {' or '.join(operation.methods)}"
        )
        head = ("HEAD",) if "GET" in operation.methods else ()
        error.headers["Allow"] = ", ".join(sorted((*operation.methods, *head)))
        raise error

    return refuse


def _definitions_router(operations: Sequence[Operation], service: str) -> APIRouter:
    router = APIRouter(prefix="/fhir", tags=["FHIR operations"])
    by_id = {definition_id(op): operation_definition(op, service) for op in operations}

    @router.get("/OperationDefinition/{definition}", summary="An operation's definition")
    async def read_definition(definition: str) -> Response:
        found = by_id.get(definition)
        if found is None:
            raise unknown_route(f"No operation {definition[:40]} is defined here")
        return json_response(found)

    @router.get("/OperationDefinition", summary="Search the operations' definitions")
    async def all_definitions(request: Request) -> Response:
        return definition_search(request, "OperationDefinition", by_id)

    return router


def operation_router(operations: Sequence[Operation], service: str) -> APIRouter:
    """The routes of `operations` (mounted before the generic FHIR routes)."""
    router = _definitions_router(operations, service)
    for operation in operations:
        path = operation.path.removeprefix("/fhir")
        router.add_api_route(
            path,
            _route(operation),
            methods=list(operation.methods),
            summary=operation.title,
            description=operation.documentation,
        )
        others = [m for m in _ALL_METHODS if m not in operation.methods]
        router.add_api_route(
            path, _refusal(operation), methods=others, name=REFUSAL, include_in_schema=False
        )
    return router
