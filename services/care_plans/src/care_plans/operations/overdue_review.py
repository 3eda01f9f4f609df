"""`GET|POST /fhir/CarePlan/$overdue-review`: active comprehensive plans whose review
date is before `asOf` (default today), by practice and/or locality, as a searchset.

Filtered by the caller's access in the query and audited like a search.
"""

from __future__ import annotations

from care_plans.fhir.arguments import area_of, day
from care_plans.fhir.worklists import AREA, worklist
from care_plans.service import worklists
from care_plans.service.context import CarePlansContext
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param


async def overdue(call: OperationCall) -> OperationResult:
    context: CarePlansContext = call.context
    as_of, area = day(call.arguments, "asOf") or context.today(), area_of(call.arguments)
    async with call.fhir.reads(call.principal) as tx:
        found = await worklists.overdue(tx, area, as_of)
    return worklist(OPERATION, call, found)


OPERATION = Operation(
    "$overdue-review",
    "Care plans overdue for review",
    "Active comprehensive care plans whose review is overdue (asOf, default today).",
    overdue,
    resource="CarePlan",
    level="type",
    changes_state=False,
    inputs=(*AREA, Param("asOf", "date", 0, 1, "The day to judge by (default today).")),
    outputs=(Param("return", "Bundle", 1, 1, "A searchset of CarePlans."),),
)
