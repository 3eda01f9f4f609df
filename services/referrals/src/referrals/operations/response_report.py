"""`$response-report`: how fast a service answers its A&G requests and referrals.

Read-only (GET or POST): a MeasureReport with the median response time in working
days and the share answered within target.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from referrals.service.report import response_report


async def handle(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    async with call.fhir.reads(call.principal) as tx:
        measure = await response_report(tx, call.context, call.resource_id)
    return OPERATION.result(**{"return": measure})


OPERATION = Operation(
    "response-report",
    "Response report of a service",
    "MeasureReport of the service's A&G and referral responses: median response time in "
    "working days and the share answered within target.",
    handle,
    resource="HealthcareService",
    level="instance",
    changes_state=False,
    outputs=(Param("return", "MeasureReport", min=1, documentation="The report (summary)."),),
)
