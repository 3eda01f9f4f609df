"""Reading case lists: only the MDT's members may, and every view is audited.

The kernel's generic read and search of `List` would filter by patient, and a case
List names none; these two routes, mounted before the generic ones, add the
membership check (`mdt.service.case_lists`). The case Tasks themselves carry the
patient and stay under the kernel's relationship filter.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from carecoord_shared.fhir.http import fhir_response, resource_headers
from carecoord_shared.fhir.parsing import check_id
from carecoord_shared.fhir.routes import fhir_base, interactions, render_search
from carecoord_shared.security.fastapi import CurrentPrincipal, require
from mdt.service.case_lists import member_list, member_search


def case_list_routes(_context: object) -> APIRouter:
    router = APIRouter(prefix="/fhir", tags=["MDT case lists"])

    @router.get("/List/{list_id}", summary="Read a case list (MDT members only)")
    async def read_case_list(
        request: Request, list_id: str, principal: CurrentPrincipal
    ) -> Response:
        require(principal, "List", "r")
        async with interactions(request).reads(principal) as tx:
            stored = await member_list(tx, check_id("List", list_id))
        headers = resource_headers(stored, fhir_base(request))
        return fhir_response(stored.content or b"", 200, headers)

    @router.get("/List", summary="Search the case lists of your MDTs")
    async def search_case_lists(request: Request, principal: CurrentPrincipal) -> Response:
        require(principal, "List", "s")
        async with interactions(request).reads(principal) as tx:
            page = await member_search(tx, list(request.query_params.multi_items()))
        return render_search(request, "List", page)

    return router
