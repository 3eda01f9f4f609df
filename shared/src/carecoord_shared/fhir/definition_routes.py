"""The service's published definitions, read-only and without a token.

StructureDefinitions of its extensions, its CodeSystems and ValueSets
(`fhir.definitions`), at `/fhir/<type>/<id>` and as a searchset at `/fhir/<type>`
(optionally `?url=`), mounted before the generic routes. Like `/fhir/metadata`, they
describe the API, not anyone's data, so they need no token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from carecoord_shared.fhir.definitions import CONFORMANCE_TYPES
from carecoord_shared.fhir.http import json_response
from carecoord_shared.fhir.outcome import JsonObject, not_found
from carecoord_shared.fhir.registry import FhirRegistry

__all__ = ["router"]

router = APIRouter(prefix="/fhir", tags=["definitions"])


def _published(request: Request) -> FhirRegistry:
    registry: FhirRegistry = request.app.state.registry
    return registry


for _kind in CONFORMANCE_TYPES:

    def _routes(kind: str) -> None:
        @router.api_route(
            f"/{kind}/{{definition_id}}", methods=["GET", "HEAD"], summary=f"A published {kind}"
        )
        async def read(request: Request, definition_id: str) -> Response:
            found = _published(request).published.get((kind, definition_id))
            if found is None:
                raise not_found(kind, definition_id[:64])
            return json_response(found)

        @router.api_route(
            f"/{kind}", methods=["GET", "HEAD"], summary=f"Every published {kind} (by url)"
        )
        async def search(request: Request) -> Response:
            url = request.query_params.get("url")
            base = str(request.app.state.settings.fhir_base)
            entries: list[JsonObject] = [
                {"fullUrl": f"{base}/{kind}/{key}", "resource": value, "search": {"mode": "match"}}
                for (each, key), value in _published(request).published.items()
                if each == kind and (url is None or value.get("url") == url)
            ]
            return json_response(
                {
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "total": len(entries),
                    "entry": entries,
                }
            )

    _routes(_kind)
