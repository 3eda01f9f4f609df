"""`$avoided-conveyance`: the share of an advice line's calls that avoided conveyance.

Read-only (GET or POST): a MeasureReport with a group per locality.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from referrals.service.conveyance import avoided_conveyance


async def handle(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    async with call.fhir.reads(call.principal) as tx:
        measure = await avoided_conveyance(tx, call.context, call.resource_id)
    return OPERATION.result(**{"return": measure})


OPERATION = Operation(
    "avoided-conveyance",
    "Avoided conveyance of an advice line",
    "MeasureReport: share of an advice line's calls that avoided conveyance, per locality.",
    handle,
    resource="HealthcareService",
    level="instance",
    changes_state=False,
    outputs=(Param("return", "MeasureReport", min=1, documentation="The report (summary)."),),
)
