"""`Appointment/{id}/$assemble-case-list`: build the meeting's case list.

Run a week before the meeting, and again whenever cases are prepared or nominated
late: orders every waiting case, cuts at the meeting's capacity, moves the overflow
to the next meeting (telling each nominator) and flags each listed case ready or
not. Changes case Tasks, so it needs `Task.u`, and only MDT members may run it. It
takes no input: a POST with no body (or an empty `Parameters`) invokes it.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import OperationCall
from mdt.operations import Work, declare
from mdt.service import meetings


def _assemble(call: OperationCall) -> Work:
    return lambda tx, meeting: meetings.assemble(tx, call.context, meeting)


OPERATION = declare(
    "$assemble-case-list",
    "Assemble the meeting's case list",
    "Build the meeting's case list (List), in discussion order; overflow to the next meeting.",
    "Appointment",
    _assemble,
    ("List", "The case list, each case flagged ready or not."),
    scope_type="Task",
)
