"""The generic FHIR REST routes every service mounts under `/fhir`.

Thin by design: each route reads the request, calls one interaction and renders the
result. Services add their own operation routes (`$triage`, ...) beside these; the
registry decides which types and interactions exist, so an undeclared one answers
404/405 with an OperationOutcome.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from carecoord_shared.fhir.capability import capability_statement
from carecoord_shared.fhir.http import (
    fhir_response,
    history_bundle,
    json_response,
    not_modified,
    parse_etag,
    read_body,
    resource_headers,
    searchset,
    written,
)
from carecoord_shared.fhir.interactions import FhirInteractions, SearchPage
from carecoord_shared.fhir.outcome import JsonObject, bad_request, not_found, unsupported_media_type
from carecoord_shared.fhir.parsing import (
    GENERAL_PARAMETERS,
    check_id,
    decode_json,
    load_json,
    whole_number,
)
from carecoord_shared.fhir.subsetting import parse_subset, subset_stored
from carecoord_shared.security.fastapi import CurrentPrincipal
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.repository import StoredResource


def interactions(request: Request) -> FhirInteractions:
    value: FhirInteractions = request.app.state.fhir
    return value


def fhir_base(request: Request) -> str:
    return str(request.app.state.settings.fhir_base)


def body_limit(request: Request) -> int:
    return int(request.app.state.settings.max_body_bytes)


async def json_body(request: Request) -> JsonObject:
    """The request's body, a JSON object within the service's body limit (or a 400, 413
    or 415 OperationOutcome)."""
    return decode_json(await read_body(request, body_limit(request)))


async def posted_search_items(request: Request) -> list[tuple[str, str]]:
    """A POST `_search`'s parameters: the query string's, then the form body's (which
    must be application/x-www-form-urlencoded, or 415)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        raise unsupported_media_type(media or "(none)")
    body = await read_body(request, body_limit(request), media_types=(media,))
    form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return [*request.query_params.multi_items(), *form]


def is_strict(prefer: str | None) -> bool:
    """Strict unless the client asks `Prefer: handling=lenient`: an unknown parameter
    silently dropped can return another patient's record."""
    return prefer is None or "handling=lenient" not in prefer.replace(" ", "")


def no_query_on_create(request: Request) -> None:
    """Search parameters on a create would be silently dropped (a duplicate created):
    the conditional create is `If-None-Exist`."""
    if any(name not in GENERAL_PARAMETERS for name in request.query_params):
        raise bad_request(
            "A create takes no search parameters: send them in the If-None-Exist header "
            "for a conditional create",
            ("If-None-Exist",),
        )


def render_search(request: Request, resource_type: str, page: SearchPage) -> Response:
    body = searchset(
        fhir_base(request),
        resource_type,
        page.query.link_params,
        page.result.matches,
        page.result.included,
        total=page.result.total,
        next_cursor=page.result.next_cursor,
        warnings=page.warnings,
    )
    return fhir_response(body)


async def _searched(
    request: Request,
    principal: Principal,
    resource_type: str,
    items: list[tuple[str, str]],
    prefer: str | None,
) -> Response:
    """A search by GET or POST `_search`, once its parameters are read: the searchset."""
    page = await interactions(request).search(
        principal, resource_type, items, strict=is_strict(prefer)
    )
    return render_search(request, resource_type, page)


def _as_read(request: Request, stored: StoredResource, if_none_match: str | None) -> Response:
    """The stored bytes (the part `_summary` / `_elements` ask for), or 304 when the
    client already holds this version."""
    params = request.query_params
    subset, _ = parse_subset(
        stored.resource_type,
        params.getlist("_summary"),
        params.getlist("_elements"),
        strict=is_strict(request.headers.get("Prefer")),
    )
    if subset is None and "count" in params.getlist("_summary"):
        raise bad_request("_summary=count is for searches", ("_summary",), "not-supported")
    unchanged = not_modified(stored, if_none_match)
    if unchanged is not None:
        return unchanged
    stored = subset_stored(stored, subset)
    return fhir_response(stored.content or b"", 200, resource_headers(stored, fhir_base(request)))


router = APIRouter(prefix="/fhir", tags=["FHIR"])

PreferHeader = Annotated[str | None, Header(alias="Prefer")]
IfMatchHeader = Annotated[str | None, Header(alias="If-Match")]
IfNoneMatchHeader = Annotated[str | None, Header(alias="If-None-Match")]


@router.get("/metadata", summary="CapabilityStatement generated from what this server serves")
async def metadata(request: Request) -> Response:
    fhir = interactions(request)
    auth_server = request.app.state.settings.auth_server_url
    statement = capability_statement(fhir.registry, fhir_base(request), "CareCoord", auth_server)
    return json_response(statement)


@router.api_route("/{resource_type}", methods=["GET", "HEAD"], summary="Search")
async def search_type(
    request: Request, resource_type: str, principal: CurrentPrincipal, prefer: PreferHeader = None
) -> Response:
    items = list(request.query_params.multi_items())
    return await _searched(request, principal, resource_type, items, prefer)


@router.post("/{resource_type}/_search", summary="Search with form-encoded parameters")
async def search_post(
    request: Request, resource_type: str, principal: CurrentPrincipal, prefer: PreferHeader = None
) -> Response:
    return await _searched(
        request, principal, resource_type, await posted_search_items(request), prefer
    )


@router.post("/{resource_type}", summary="Create (conditional with If-None-Exist)")
async def create(
    request: Request,
    resource_type: str,
    principal: CurrentPrincipal,
    if_none_exist: Annotated[str | None, Header(alias="If-None-Exist")] = None,
    prefer: PreferHeader = None,
) -> Response:
    no_query_on_create(request)
    body = await json_body(request)
    stored, created = await interactions(request).create(
        principal, resource_type, body, if_none_exist=if_none_exist
    )
    return written(stored, fhir_base(request), created, prefer)


@router.api_route("/{resource_type}/{resource_id}", methods=["GET", "HEAD"], summary="Read")
async def read(
    request: Request,
    resource_type: str,
    resource_id: str,
    principal: CurrentPrincipal,
    if_none_match: IfNoneMatchHeader = None,
) -> Response:
    stored = await interactions(request).read(principal, resource_type, resource_id)
    return _as_read(request, stored, if_none_match)


@router.put("/{resource_type}/{resource_id}", summary="Update (If-Match for optimistic locking)")
async def update(
    request: Request,
    resource_type: str,
    resource_id: str,
    principal: CurrentPrincipal,
    if_match: IfMatchHeader = None,
    prefer: PreferHeader = None,
) -> Response:
    body = await json_body(request)
    stored, created = await interactions(request).update(
        principal,
        resource_type,
        check_id(resource_type, resource_id),
        body,
        if_match=parse_etag(if_match),
    )
    return written(stored, fhir_base(request), created, prefer)


@router.patch("/{resource_type}/{resource_id}", summary="JSON Patch (If-Match recommended)")
async def patch(
    request: Request,
    resource_type: str,
    resource_id: str,
    principal: CurrentPrincipal,
    if_match: IfMatchHeader = None,
    prefer: PreferHeader = None,
) -> Response:
    raw = await read_body(request, body_limit(request), allow_patch=True)
    operations = load_json(raw)
    if not isinstance(operations, list):
        raise bad_request("A JSON Patch body is an array of operations", code="structure")
    stored = await interactions(request).patch(
        principal, resource_type, resource_id, operations, if_match=parse_etag(if_match)
    )
    return written(stored, fhir_base(request), False, prefer)


@router.delete("/{resource_type}/{resource_id}", summary="Delete (later reads answer 410)")
async def delete(
    request: Request, resource_type: str, resource_id: str, principal: CurrentPrincipal
) -> Response:
    await interactions(request).delete(principal, resource_type, resource_id)
    return Response(status_code=204)


@router.api_route(
    "/{resource_type}/{resource_id}/_history",
    methods=["GET", "HEAD"],
    summary="History of one resource",
)
async def history(
    request: Request, resource_type: str, resource_id: str, principal: CurrentPrincipal
) -> Response:
    versions = await interactions(request).history(principal, resource_type, resource_id)
    return fhir_response(history_bundle(fhir_base(request), versions))


@router.api_route(
    "/{resource_type}/{resource_id}/_history/{version_id}",
    methods=["GET", "HEAD"],
    summary="Read one version",
)
async def vread(
    request: Request,
    resource_type: str,
    resource_id: str,
    version_id: str,
    principal: CurrentPrincipal,
    if_none_match: IfNoneMatchHeader = None,
) -> Response:
    if version_id.isascii() and version_id.isdigit() and len(version_id) > 9:
        raise not_found(resource_type, f"{resource_id}/_history/{version_id[:20]}")
    version = whole_number(version_id, "version")
    stored = await interactions(request).vread(principal, resource_type, resource_id, version)
    return _as_read(request, stored, if_none_match)
