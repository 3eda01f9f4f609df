"""`Appointment/{id}/$assemble-case-list`: build the meeting's case list.

Run a week before the meeting, and again whenever cases are prepared or nominated
late: orders every waiting case, cuts at the meeting's capacity, moves the overflow
to the next meeting (telling each nominator) and flags each listed case ready or
not. Changes case Tasks, so it needs `Task.u`, and only MDT members may run it.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from mdt.operations import answer
from mdt.service import meetings


async def assemble_case_list(call: OperationCall) -> OperationResult:
    return await answer(
        OPERATION, call, lambda tx, meeting: meetings.assemble(tx, call.context, meeting)
    )


OPERATION = Operation(
    name="$assemble-case-list",
    title="Assemble the meeting's case list",
    documentation="Build the meeting's case list (List), in discussion order; overflow to "
    "the next meeting.",
    handler=assemble_case_list,
    resource="Appointment",
    scope_type="Task",
    outputs=(Param("return", "List", 1, 1, "The case list, each case flagged ready or not."),),
)
