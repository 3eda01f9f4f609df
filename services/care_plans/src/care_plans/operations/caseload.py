"""`GET|POST /fhir/Patient/$caseload`: patients with a co-ordinator or cover in force,
by co-ordinator (SDS user id), practice (ODS code) and/or locality, as a searchset.

Filtered by the caller's access in the query and audited like a search.
"""

from __future__ import annotations

from care_plans.fhir.arguments import area_of, text
from care_plans.fhir.worklists import AREA, worklist
from care_plans.service import worklists
from care_plans.service.context import CarePlansContext
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param


async def caseload(call: OperationCall) -> OperationResult:
    context: CarePlansContext = call.context
    coordinator, area = text(call.arguments, "coordinator"), area_of(call.arguments)
    async with call.fhir.reads(call.principal) as tx:
        found = await worklists.caseload(tx, area, coordinator, context.now())
    return worklist(OPERATION, call, found)


OPERATION = Operation(
    "$caseload",
    "Caseload",
    "Patients with a co-ordinator in force, by coordinator, practice, locality.",
    caseload,
    resource="Patient",
    level="type",
    changes_state=False,
    inputs=(Param("coordinator", "string", 0, 1, "The co-ordinator's SDS user id."), *AREA),
    outputs=(Param("return", "Bundle", 1, 1, "A searchset of Patients."),),
)
