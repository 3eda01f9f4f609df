"""The service's published definitions, read-only and without a token.

StructureDefinitions of its extensions, its CodeSystems and ValueSets
(`fhir.definitions`), at `/fhir/<type>/<id>` and as a searchset at `/fhir/<type>`,
mounted before the generic routes. Like `/fhir/metadata`, they describe the API, not
anyone's data, so they need no token. Their search is strict like every other
(`definition_search`, which `/fhir/OperationDefinition` shares): `_id`, `url`
(`url|version` too), `name`, `status` and `version`, `_count` and paging; an unknown
parameter is a 400 unless the client asks `Prefer: handling=lenient`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from carecoord_shared.fhir.definitions import CONFORMANCE_TYPES, DEFINITION_SEARCH_PARAMS
from carecoord_shared.fhir.http import json_response
from carecoord_shared.fhir.narrative import outcome
from carecoord_shared.fhir.outcome import Issue, JsonObject, bad_request, not_found
from carecoord_shared.fhir.parsing import GENERAL_PARAMETERS, whole_number
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.fhir.routes import is_strict

__all__ = ["definition_search", "router"]

router = APIRouter(prefix="/fhir", tags=["definitions"])

_MAX_COUNT = 100


def _matches(resource: JsonObject, name: str, values: Sequence[str]) -> bool:
    if name == "url":
        return any(
            resource.get("url") == url and version in ("", resource.get("version"))
            for url, _, version in (v.partition("|") for v in values)
        )
    if name == "name":
        given = str(resource.get("name", "")).lower()
        return any(given.startswith(v.lower()) for v in values)
    return str(resource.get("id" if name == "_id" else name, "")) in values


def _criteria(
    kind: str, items: Sequence[tuple[str, str]], strict: bool
) -> tuple[list[tuple[str, list[str]]], list[Issue]]:
    known = {name for name, _, _ in DEFINITION_SEARCH_PARAMS}
    criteria: list[tuple[str, list[str]]] = []
    ignored: list[Issue] = []
    for key, raw in items:
        if key in known:
            criteria.append((key, raw.split(",")))
        elif key not in GENERAL_PARAMETERS and key not in ("_count", "_cursor", "_total"):
            text = f"Unknown search parameter '{key[:60]}' for {kind}"
            if strict:
                raise bad_request(text, (key[:60],), "not-supported")
            ignored.append(Issue("not-supported", text + " was ignored", severity="warning"))
    return criteria, ignored


def definition_search(request: Request, kind: str, published: Mapping[str, JsonObject]) -> Response:
    """A searchset of the `published` definitions of `kind` (id -> resource) that match the
    request's parameters, one page of `_count` (paged with `_cursor`, an offset)."""
    items = parse_qsl(request.url.query, keep_blank_values=True)
    criteria, ignored = _criteria(kind, items, is_strict(request.headers.get("Prefer")))
    params = dict(items)
    count = min(whole_number(params.get("_count", str(_MAX_COUNT)), "_count"), _MAX_COUNT)
    offset = whole_number(params.get("_cursor", "0"), "_cursor")
    found = [
        (key, value)
        for key, value in published.items()
        if all(_matches({"id": key, **value}, name, values) for name, values in criteria)
    ]
    base = str(request.app.state.settings.fhir_base)
    asked = [(k, v) for k, v in items if k != "_cursor"]
    links = [{"relation": "self", "url": f"{base}/{kind}?{urlencode(items)}"}]
    if count > 0 and offset + count < len(found):
        following = urlencode([*asked, ("_cursor", str(offset + count))])
        links.append({"relation": "next", "url": f"{base}/{kind}?{following}"})
    entries: list[JsonObject] = [
        {"fullUrl": f"{base}/{kind}/{key}", "resource": value, "search": {"mode": "match"}}
        for key, value in found[offset : offset + count]
    ]
    if ignored:
        warning = {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": outcome(ignored)}
        entries.append({**warning, "search": {"mode": "outcome"}})
    bundle: JsonObject = {"resourceType": "Bundle", "type": "searchset", "total": len(found)}
    return json_response({**bundle, "link": links, **({"entry": entries} if entries else {})})


def _published(request: Request, kind: str) -> dict[str, JsonObject]:
    registry: FhirRegistry = request.app.state.registry
    return {key: value for (each, key), value in registry.published.items() if each == kind}


for _kind in CONFORMANCE_TYPES:

    def _routes(kind: str) -> None:
        @router.get(f"/{kind}/{{definition_id}}", summary=f"A published {kind}")
        async def read(request: Request, definition_id: str) -> Response:
            found = _published(request, kind).get(definition_id)
            if found is None:
                raise not_found(kind, definition_id[:64])
            return json_response(found)

        @router.get(f"/{kind}", summary=f"Search the published {kind} resources")
        async def search(request: Request) -> Response:
            return definition_search(request, kind, _published(request, kind))

    _routes(_kind)
