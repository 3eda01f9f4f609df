"""`Appointment/{id}/$record-attendance`: the meeting is held, with who attended.

The Appointment is fulfilled and an Encounter records the attendance (201, with its
`Location`); a held meeting takes no more assembly. Needs `Task.u` and MDT
membership, like every operation that runs a meeting.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import OperationCall, Param
from mdt.fhir.arguments import texts
from mdt.operations import Work, declare
from mdt.service import meetings


def _hold(call: OperationCall) -> Work:
    attendees = texts(call.arguments, "attendee")
    return lambda tx, meeting: meetings.record_attendance(tx, meeting, attendees)


OPERATION = declare(
    "$record-attendance",
    "Hold the meeting",
    "Hold the meeting: an Encounter with attendance.",
    "Appointment",
    _hold,
    ("Encounter", "The meeting as held."),
    inputs=(Param("attendee", "string", 1, None, "The SDS user id of one who attended."),),
    scope_type="Task",
    status=201,
)
