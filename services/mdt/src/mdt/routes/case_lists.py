"""Every HTTP path to a case List, each behind MDT membership, and every view audited.

The kernel's generic routes would filter a List by its patient, and a case List names
none; these routes, mounted before the generic ones, put each path through the
membership check of `mdt.service.case_lists`: read (and HEAD, and `If-None-Match`),
vread, instance history, search by GET and by `POST _search`, type history and
system history. A batch or transaction Bundle may not touch a List (the kernel's
Bundle runs the generic read), answered alike for members, non-members and unknown
ids, so nothing about a list leaks there either. The case Tasks themselves carry the
patient and stay under the kernel's relationship filter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response

from carecoord_shared.fhir.bundles import process_bundle
from carecoord_shared.fhir.http import (
    fhir_response,
    history_bundle,
    json_response,
    not_modified,
    resource_headers,
)
from carecoord_shared.fhir.outcome import JsonObject, bad_request, not_found
from carecoord_shared.fhir.parsing import check_id, whole_number
from carecoord_shared.fhir.routes import (
    PreferHeader,
    fhir_base,
    interactions,
    is_strict,
    json_body,
    posted_search_items,
    render_search,
)
from carecoord_shared.fhir.system_routes import history_window
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.fastapi import CurrentPrincipal, require
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.repository import StoredResource
from mdt.service import case_lists

_READ = ["GET", "HEAD"]
T = TypeVar("T")


def _resource(request: Request, stored: StoredResource) -> Response:
    unchanged = not_modified(stored, request.headers.get("if-none-match"))
    if unchanged is not None:
        return unchanged
    return fhir_response(stored.content or b"", 200, resource_headers(stored, fhir_base(request)))


def _history(request: Request, versions: list[tuple[StoredResource, str]]) -> Response:
    """A history Bundle; with nothing in it, no `entry` at all (R4 forbids an empty array,
    which the kernel's `history_bundle` writes)."""
    if not versions:
        return json_response({"resourceType": "Bundle", "type": "history", "total": 0})
    return fhir_response(history_bundle(fhir_base(request), versions))


async def _as_reader(
    request: Request, principal: Principal, work: Callable[[FhirTransaction], Awaitable[T]]
) -> T:
    """`work` in a unit of reads of a caller allowed to read Lists at all."""
    require(principal, "List", "r")
    async with interactions(request).reads(principal) as tx:
        return await work(tx)


def _member_route(
    router: APIRouter,
    name: str,
    path: str,
    summary: str,
    fetch: Callable[[FhirTransaction, str], Awaitable[T]],
    render: Callable[[Request, T], Response],
) -> None:
    """`GET`/`HEAD` of `path` under `/List/{list_id}`: `fetch` for a member, `render`ed."""

    @router.api_route(f"/List/{{list_id}}{path}", methods=_READ, summary=summary, name=name)
    async def route(request: Request, list_id: str, principal: CurrentPrincipal) -> Response:
        list_id = check_id("List", list_id)
        found = await _as_reader(request, principal, lambda tx: fetch(tx, list_id))
        return render(request, found)


def _instance_routes(router: APIRouter) -> None:
    read, history = case_lists.member_list, case_lists.member_history
    _member_route(router, "read_case_list", "", "Read a case list (members)", read, _resource)
    _member_route(
        router, "case_list_history", "/_history", "A case list's history", history, _history
    )

    @router.api_route(
        "/List/{list_id}/_history/{version_id}", methods=_READ, summary="A case list's version"
    )
    async def case_list_version(
        request: Request, list_id: str, version_id: str, principal: CurrentPrincipal
    ) -> Response:
        list_id = check_id("List", list_id)
        if version_id.isascii() and version_id.isdigit() and len(version_id) > 9:
            raise not_found("List", f"{list_id}/_history/{version_id[:20]}")
        version = whole_number(version_id, "version")
        stored = await _as_reader(
            request, principal, lambda tx: case_lists.member_version(tx, list_id, version)
        )
        return _resource(request, stored)


def _search_routes(router: APIRouter) -> None:
    @router.api_route("/List", methods=_READ, summary="Search the case lists of your MDTs")
    async def search_case_lists(
        request: Request, principal: CurrentPrincipal, prefer: PreferHeader = None
    ) -> Response:
        return await _search(request, principal, list(request.query_params.multi_items()), prefer)

    @router.post("/List/_search", summary="Search the case lists of your MDTs (form)")
    async def search_case_lists_by_post(
        request: Request, principal: CurrentPrincipal, prefer: PreferHeader = None
    ) -> Response:
        return await _search(request, principal, await posted_search_items(request), prefer)


async def _search(
    request: Request, principal: CurrentPrincipal, items: list[tuple[str, str]], prefer: str | None
) -> Response:
    require(principal, "List", "s")
    async with interactions(request).reads(principal) as tx:
        page = await case_lists.member_search(tx, items, strict=is_strict(prefer))
    return render_search(request, "List", page)


def _wider_routes(router: APIRouter) -> None:
    @router.get("/List/_history", summary="Recent versions of your MDTs' case lists")
    async def case_lists_history(request: Request, principal: CurrentPrincipal) -> Response:
        require(principal, "List", "r")
        return await _recent(request, principal, ["List"])

    @router.get("/_history", summary="Recent versions of every type (your MDTs' lists only)")
    async def system_history(request: Request, principal: CurrentPrincipal) -> Response:
        types = [d.type for d in interactions(request).registry.all()]
        return await _recent(request, principal, types)

    @router.post("", summary="Batch or transaction Bundle (case lists are not in Bundles)")
    async def bundle(request: Request, principal: CurrentPrincipal) -> Response:
        body = await json_body(request)
        _no_case_lists(body)
        fhir = interactions(request)
        return json_response(await process_bundle(fhir, principal, body, fhir_base(request)))


def _entry_type(entry: object) -> str:
    request = entry.get("request") if isinstance(entry, dict) else None
    url = str(request.get("url") or "") if isinstance(request, dict) else ""
    return url.split("/fhir/", 1)[-1].lstrip("/").split("?")[0].split("/")[0]


def _no_case_lists(bundle: JsonObject) -> None:
    entries = bundle.get("entry")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if _entry_type(entry) == "List":
            raise bad_request(
                "Case lists are read at /fhir/List, not in a Bundle",
                (f"Bundle.entry[{index}].request.url",),
                "not-supported",
            )


async def _recent(request: Request, principal: CurrentPrincipal, types: list[str]) -> Response:
    count, since = history_window(request)
    async with interactions(request).reads(principal) as tx:
        versions = await case_lists.member_recent(tx, types, count, since)
    return _history(request, versions)


def case_list_routes(_context: object) -> APIRouter:
    router = APIRouter(prefix="/fhir", tags=["MDT case lists"])
    _wider_routes(router)  # first: `/List/_history` before `/List/{list_id}`
    _search_routes(router)
    _instance_routes(router)
    return router
