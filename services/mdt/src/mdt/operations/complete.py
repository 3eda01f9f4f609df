"""`Task/{action}/$complete`: an MDT action is done.

Anyone with a relationship with the patient (the read of the action checks it) and
`Task.u` may complete it; a completed action no longer escalates.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from mdt.operations import answer
from mdt.service import outcomes


async def complete(call: OperationCall) -> OperationResult:
    return await answer(OPERATION, call, outcomes.complete)


OPERATION = Operation(
    name="$complete",
    title="Complete an action",
    documentation="Mark an action done.",
    handler=complete,
    resource="Task",
    outputs=(Param("return", "Task", 1, 1, "The action, completed."),),
)
