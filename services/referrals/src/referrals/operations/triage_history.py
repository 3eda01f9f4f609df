"""`$triage-history`: every triage transition of a request, oldest first.

Read-only (GET or POST): who moved the request from which state to which, when and
why, for anyone who may read the request.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from referrals.fhir.parameters import parameters, transition
from referrals.service.triage import history


async def handle(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    async with call.fhir.reads(call.principal) as tx:
        found = await history(tx, call.resource_id)
    return OperationResult(parameters([transition(step) for step in found]))


OPERATION = Operation(
    "triage-history",
    "Every triage transition of the request",
    "Every triage transition of the request (outcome, from, to, who, role, organisation, "
    "when, task, reason), oldest first.",
    handle,
    resource="ServiceRequest",
    level="instance",
    changes_state=False,
    outputs=(
        Param(
            "transition",
            "BackboneElement",
            max=None,
            documentation="One transition, as parts: outcome, from, to (code), who (string), "
            "role (code), when (dateTime), task (Reference), organisation "
            "(string), reason (code).",
        ),
    ),
)
