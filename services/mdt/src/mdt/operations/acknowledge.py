"""`Task/{action}/$acknowledge`: the owning practice acknowledges an MDT action.

Only an action given to a practice (by ODS code) needs acknowledging, and only that
practice (the token's `org`) may; until it does, the action escalates once overdue.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from mdt.operations import answer
from mdt.service import outcomes


async def acknowledge(call: OperationCall) -> OperationResult:
    return await answer(OPERATION, call, outcomes.acknowledge)


OPERATION = Operation(
    name="$acknowledge",
    title="Acknowledge an action",
    documentation="The owning practice acknowledges an action.",
    handler=acknowledge,
    resource="Task",
    outputs=(Param("return", "Task", 1, 1, "The action, acknowledged."),),
)
