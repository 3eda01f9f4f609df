"""`GET|POST /fhir/Patient/$unassigned-coordinator`: long-term-condition patients with
no named co-ordinator in force (the G2 worklist), by practice and/or locality.

Filtered by the caller's access in the query and audited like a search.
"""

from __future__ import annotations

from care_plans.fhir.arguments import area_of
from care_plans.fhir.worklists import AREA, worklist
from care_plans.service import worklists
from care_plans.service.context import CarePlansContext
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param


async def unassigned(call: OperationCall) -> OperationResult:
    context: CarePlansContext = call.context
    area = area_of(call.arguments)
    async with call.fhir.reads(call.principal) as tx:
        found = await worklists.unassigned(tx, area, context.now())
    return worklist(OPERATION, call, found)


OPERATION = Operation(
    "$unassigned-coordinator",
    "Patients without a named co-ordinator",
    "Long-term-condition patients with no named co-ordinator (G2 worklist).",
    unassigned,
    resource="Patient",
    level="type",
    changes_state=False,
    inputs=AREA,
    outputs=(Param("return", "Bundle", 1, 1, "A searchset of Patients."),),
)
