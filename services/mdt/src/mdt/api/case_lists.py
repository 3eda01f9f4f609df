"""Reading case lists: only the MDT's members may, and every view is audited.

A List names no patient, so the kernel's relationship filter (which works on a
resource's patient) would let anyone with `List.rs` read every MDT's list of patients.
These routes, mounted before the kernel's generic ones, add the membership check: a
read answers 403 to a non-member; a search only ever matches the caller's own MDTs
(in the query, not after). Each is audited even though no single patient is named.
The case Tasks themselves carry the patient and stay under the kernel's filter.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from carecoord_shared.fhir.http import fhir_response, resource_headers
from carecoord_shared.fhir.parsing import check_id
from carecoord_shared.fhir.routes import fhir_base, render_search
from carecoord_shared.security.fastapi import CurrentPrincipal, require
from mdt.api.deps import transaction
from mdt.service.case_lists import member_list, member_search

router = APIRouter(prefix="/fhir", tags=["MDT case lists"])


@router.get("/List/{list_id}", summary="Read a case list (MDT members only)")
async def read_case_list(request: Request, list_id: str, principal: CurrentPrincipal) -> Response:
    require(principal, "List", "r")
    async with transaction(request, principal) as tx:
        stored = await member_list(tx, check_id("List", list_id))
    return fhir_response(stored.content or b"", 200, resource_headers(stored, fhir_base(request)))


@router.get("/List", summary="Search the case lists of your MDTs")
async def search_case_lists(request: Request, principal: CurrentPrincipal) -> Response:
    require(principal, "List", "s")
    async with transaction(request, principal) as tx:
        page = await member_search(tx, list(request.query_params.multi_items()))
    return render_search(request, "List", page)
