"""`Appointment/{id}/$record-attendance`: the meeting is held, with who attended.

The Appointment is fulfilled and an Encounter records the attendance (201); a held
meeting takes no more assembly. Needs `Task.u` and MDT membership, like every
operation that runs a meeting.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from mdt.fhir.arguments import texts
from mdt.operations import answer
from mdt.service import meetings


async def record_attendance(call: OperationCall) -> OperationResult:
    attendees = texts(call.arguments, "attendee")
    return await answer(
        OPERATION, call, lambda tx, meeting: meetings.record_attendance(tx, meeting, attendees)
    )


OPERATION = Operation(
    name="$record-attendance",
    title="Hold the meeting",
    documentation="Hold the meeting: an Encounter with attendance.",
    handler=record_attendance,
    resource="Appointment",
    scope_type="Task",
    status=201,
    inputs=(Param("attendee", "string", 1, None, "The SDS user id of one who attended."),),
    outputs=(Param("return", "Encounter", 1, 1, "The meeting as held."),),
)
