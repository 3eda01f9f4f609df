"""`CareTeam/{id}/$schedule-meetings`: book the MDT's meetings, monthly by default.

Scheduling manages the team itself, so it needs `CareTeam.u`. Each meeting is an
Appointment saying how many cases fit (`durationMinutes / minutesPerCase`, 28 for 90
minutes at DOMAIN.md's 3.2 minutes a case). The answer (201) is a collection Bundle
of them, each entry with its `fullUrl`, and the CareTeam they name, so every
reference resolves inside the Bundle; `Location` names the first meeting booked.
"""

from __future__ import annotations

from carecoord_shared.fhir.http import resource_headers
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from carecoord_shared.store.repository import StoredResource
from mdt.domain.commands import ScheduleMeetings
from mdt.fhir.arguments import decimal, instant, integer
from mdt.service import teams
from mdt.service.context import MdtContext


def _command(call: OperationCall, context: MdtContext) -> ScheduleMeetings:
    given, settings = call.arguments, context.settings
    return ScheduleMeetings(
        first_start=instant(given, "start"),
        count=integer(given, "count", 1, 1, 24),
        interval_months=integer(given, "intervalMonths", settings.meeting_interval_months, 1, 12),
        duration_minutes=integer(given, "durationMinutes", settings.meeting_minutes, 10, 480),
        minutes_per_case=decimal(given, "minutesPerCase", 0.5, 120) or settings.minutes_per_case,
    )


def _collection(base: str, resources: list[StoredResource]) -> dict[str, object]:
    entries = [{"fullUrl": f"{base}/{r.reference}", "resource": r.as_json()} for r in resources]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


async def schedule_meetings(call: OperationCall) -> OperationResult:
    command = _command(call, call.context)
    async with call.fhir.operation(call.principal) as tx:
        booked = await teams.schedule_meetings(tx, str(call.resource_id), command)
        team = await tx.read("CareTeam", str(call.resource_id))
    headers = resource_headers(booked[0], call.base_url, created=True)
    return OperationResult(_collection(call.base_url, [*booked, team]), 201, headers)


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
    outputs=(Param("return", "Bundle", 1, 1, "The booked Appointments and their CareTeam."),),
)
