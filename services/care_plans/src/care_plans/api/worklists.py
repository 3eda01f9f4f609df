"""Worklists and caseloads as read-only operations returning searchset Bundles.

- `GET /fhir/Patient/$caseload?coordinator={SDS user id}&practice={ODS}&locality=`:
  patients with a co-ordinator or cover in force (any combination of filters);
- `GET /fhir/Patient/$unassigned-coordinator?practice=&locality=`: long-term-condition
  patients with no named co-ordinator (the G2 gap);
- `GET /fhir/CarePlan/$overdue-review?practice=&locality=&asOf=YYYY-MM-DD`: active
  comprehensive plans whose review date is before `asOf` (default today).
Results are filtered by the caller's access in the query and audited like a search.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from care_plans.api.params import day, one_query_value, only_known
from care_plans.domain.areas import Area
from care_plans.service import worklists
from carecoord_shared.fhir.http import fhir_response, searchset
from carecoord_shared.fhir.registry import OperationDeclaration
from carecoord_shared.security.fastapi import CurrentPrincipal, require_operation
from carecoord_shared.store.repository import StoredResource

CASELOAD = OperationDeclaration(
    "caseload",
    "Patient",
    instance=False,
    documentation="Patients with a co-ordinator in force, by coordinator, practice, locality.",
)
UNASSIGNED = OperationDeclaration(
    "unassigned-coordinator",
    "Patient",
    instance=False,
    documentation="Long-term-condition patients with no named co-ordinator (G2 worklist).",
)
OVERDUE = OperationDeclaration(
    "overdue-review",
    "CarePlan",
    instance=False,
    documentation="Active comprehensive care plans whose review is overdue (asOf, default today).",
)
router = APIRouter(prefix="/fhir", tags=["Worklists"])


def _area(request: Request) -> Area:
    return Area(one_query_value(request, "practice"), one_query_value(request, "locality"))


def _bundle(request: Request, resource_type: str, found: list[StoredResource]) -> Response:
    base = str(request.app.state.settings.fhir_base)
    params = list(request.query_params.multi_items())
    return fhir_response(searchset(base, resource_type, params, found, total=len(found)))


@router.get("/Patient/$caseload", summary=CASELOAD.documentation)
async def caseload(request: Request, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "Patient", CASELOAD.name, changes_state=False)
    only_known(request, {"coordinator", "practice", "locality"})
    coordinator, area = one_query_value(request, "coordinator"), _area(request)
    async with request.app.state.fhir.transaction(principal) as tx:
        found = await worklists.caseload(tx, area, coordinator)
    return _bundle(request, "Patient", found)


@router.get("/Patient/$unassigned-coordinator", summary=UNASSIGNED.documentation)
async def unassigned(request: Request, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "Patient", UNASSIGNED.name, changes_state=False)
    only_known(request, {"practice", "locality"})
    area = _area(request)
    async with request.app.state.fhir.transaction(principal) as tx:
        found = await worklists.unassigned(tx, area)
    return _bundle(request, "Patient", found)


@router.get("/CarePlan/$overdue-review", summary=OVERDUE.documentation)
async def overdue(request: Request, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "CarePlan", OVERDUE.name, changes_state=False)
    only_known(request, {"practice", "locality", "asOf"})
    as_of, area = day(one_query_value(request, "asOf"), "asOf"), _area(request)
    async with request.app.state.fhir.transaction(principal) as tx:
        found = await worklists.overdue(tx, area, as_of)
    return _bundle(request, "CarePlan", found)
