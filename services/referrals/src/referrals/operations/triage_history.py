"""`$triage-history`: every triage transition of a request, oldest first.

Read-only (GET or POST): who moved the request from which state to which, when and
why, for anyone who may read the request.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from referrals.fhir.parameters import transition
from referrals.service.triage import history


async def handle(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    async with call.fhir.reads(call.principal) as tx:
        found = await history(tx, call.resource_id)
    return OPERATION.result(transition=[transition(step) for step in found])


OPERATION = Operation(
    "triage-history",
    "Every triage transition of the request",
    "Every triage transition of the request (outcome, from, to, who, role, organisation, "
    "when, task, reason), oldest first.",
    handle,
    resource="ServiceRequest",
    changes_state=False,
    outputs=(
        Param.made_of(
            "transition",
            "One transition.",
            Param("outcome", "code", min=1, documentation="What was decided."),
            Param("from", "code", min=1, documentation="The triage state before."),
            Param("to", "code", min=1, documentation="The triage state after."),
            Param("who", "string", min=1, documentation="Who decided (user id)."),
            Param("role", "code", documentation="Their role."),
            Param("when", "dateTime", min=1, documentation="When."),
            Param("task", "Reference", min=1, documentation="The triage Task."),
            Param("organisation", "string", documentation="Their organisation (ODS)."),
            Param("reason", "code", documentation="The coded reason (rejections)."),
        ),
    ),
)
