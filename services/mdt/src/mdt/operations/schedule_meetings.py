"""`CareTeam/{id}/$schedule-meetings`: book the MDT's meetings, monthly by default.

Scheduling manages the team itself, so it needs `CareTeam.u`. Each meeting is an
Appointment saying how many cases fit (`durationMinutes / minutesPerCase`, 28 for 90
minutes at DOMAIN.md's 3.2 minutes a case); the answer is a Bundle of them (201).
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from mdt.domain.commands import ScheduleMeetings
from mdt.fhir.arguments import decimal, instant, integer
from mdt.operations import answer
from mdt.service import teams
from mdt.service.context import MdtContext


async def schedule_meetings(call: OperationCall) -> OperationResult:
    context: MdtContext = call.context
    given, settings = call.arguments, context.settings
    command = ScheduleMeetings(
        first_start=instant(given, "start"),
        count=integer(given, "count", 1, 1, 24),
        interval_months=integer(given, "intervalMonths", settings.meeting_interval_months, 1, 12),
        duration_minutes=integer(given, "durationMinutes", settings.meeting_minutes, 10, 480),
        minutes_per_case=decimal(given, "minutesPerCase", 0.5, 120) or settings.minutes_per_case,
    )

    async def book(tx: FhirTransaction, mdt_id: str) -> JsonObject:
        booked = await teams.schedule_meetings(tx, mdt_id, command)
        entries = [{"resource": meeting} for meeting in booked]
        return {"resourceType": "Bundle", "type": "collection", "entry": entries}

    return await answer(OPERATION, call, book)


OPERATION = Operation(
    name="$schedule-meetings",
    title="Book the MDT's meetings",
    documentation="Book the MDT's meetings (monthly by default), each with its capacity.",
    handler=schedule_meetings,
    resource="CareTeam",
    status=201,
    inputs=(
        Param("start", "dateTime", 1, 1, "When the first meeting starts (with a time zone)."),
        Param("count", "integer", documentation="How many meetings to book (1-24, default 1)."),
        Param("intervalMonths", "integer", documentation="Months between meetings (1-12)."),
        Param("durationMinutes", "integer", documentation="Length of each meeting (10-480)."),
        Param("minutesPerCase", "decimal", documentation="Minutes a case takes (0.5-120; 3.2)."),
    ),
    outputs=(Param("return", "Bundle", 1, 1, "The booked Appointments."),),
)
