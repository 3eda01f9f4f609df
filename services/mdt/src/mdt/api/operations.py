"""The MDT's FHIR operations: thin routes (parse -> command -> handler -> render).

Scope decision (kernel `scopes`: an operation that changes state needs `u` on a type):
every case and meeting operation changes case Tasks, so each needs `Task.u`, and the
handler then checks MDT membership; `$schedule-meetings` manages the team itself and
needs `CareTeam.u`. `$nominate` also needs a care relationship with the patient.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from carecoord_shared.fhir.parsing import check_id
from carecoord_shared.fhir.registry import OperationDeclaration
from carecoord_shared.security.fastapi import CurrentPrincipal, require_operation
from mdt.api import commands
from mdt.api.deps import resource_response, settings_of, transaction
from mdt.api.parameters import Parameters
from mdt.service import listing, meetings, outcomes, teams

OPERATIONS = (
    OperationDeclaration(
        "schedule-meetings", "CareTeam", True, "Book the MDT's meetings (monthly by default)."
    ),
    OperationDeclaration(
        "nominate", "CareTeam", True, "Nominate a patient to the MDT (adds to an open case)."
    ),
    OperationDeclaration(
        "assemble-case-list",
        "Appointment",
        True,
        "Build the meeting's case list (List), overflow to the next.",
    ),
    OperationDeclaration(
        "record-attendance", "Appointment", True, "Hold the meeting: an Encounter with attendance."
    ),
    OperationDeclaration(
        "prepare", "Task", True, "Attach recent activity to a case and check it is ready."
    ),
    OperationDeclaration(
        "record-outcome", "Task", True, "Record a case's outcome, decisions and actions."
    ),
    OperationDeclaration(
        "acknowledge", "Task", True, "The owning practice acknowledges an action."
    ),
    OperationDeclaration("complete", "Task", True, "Mark an action done."),
)

router = APIRouter(prefix="/fhir", tags=["MDT operations"])


@router.post("/CareTeam/{mdt_id}/$schedule-meetings", summary="Book meetings")
async def schedule_meetings(request: Request, mdt_id: str, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "CareTeam", "schedule-meetings", changes_state=True)
    command = commands.schedule(await Parameters.read(request), settings_of(request))
    async with transaction(request, principal) as tx:
        booked = await teams.schedule_meetings(tx, check_id("CareTeam", mdt_id), command)
    entries = [{"resource": b} for b in booked]
    return resource_response(
        {"resourceType": "Bundle", "type": "collection", "entry": entries}, 201
    )


@router.post("/CareTeam/{mdt_id}/$nominate", summary="Nominate a patient")
async def nominate(request: Request, mdt_id: str, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "Task", "nominate", changes_state=True)
    command = commands.nomination(await Parameters.read(request), principal)
    async with transaction(request, principal) as tx:
        stored, created = await listing.nominate(
            tx, settings_of(request).topic, check_id("CareTeam", mdt_id), command
        )
    return resource_response(stored.as_json(), 201 if created else 200)


@router.post("/Appointment/{meeting_id}/$assemble-case-list", summary="Assemble the case list")
async def assemble(request: Request, meeting_id: str, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "Task", "assemble-case-list", changes_state=True)
    await Parameters.read_optional(request)
    settings = settings_of(request)
    async with transaction(request, principal) as tx:
        body = await meetings.assemble(
            tx,
            check_id("Appointment", meeting_id),
            settings.meeting_interval_months,
            settings.recent_activity_days,
        )
    return resource_response(body)


@router.post("/Appointment/{meeting_id}/$record-attendance", summary="Hold the meeting")
async def record_attendance(
    request: Request, meeting_id: str, principal: CurrentPrincipal
) -> Response:
    require_operation(principal, "Task", "record-attendance", changes_state=True)
    attendees = commands.attendees(await Parameters.read(request))
    async with transaction(request, principal) as tx:
        body = await meetings.record_attendance(tx, check_id("Appointment", meeting_id), attendees)
    return resource_response(body, 201)


@router.post("/Task/{case_id}/$prepare", summary="Prepare a case")
async def prepare(request: Request, case_id: str, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "Task", "prepare", changes_state=True)
    question = (await Parameters.read_optional(request)).text("question")
    async with transaction(request, principal) as tx:
        body = await meetings.prepare(
            tx, check_id("Task", case_id), question, settings_of(request).recent_activity_days
        )
    return resource_response(body)


@router.post("/Task/{case_id}/$record-outcome", summary="Record a case's outcome")
async def record_outcome(request: Request, case_id: str, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "Task", "record-outcome", changes_state=True)
    command = commands.outcome(await Parameters.read(request))
    settings = settings_of(request)
    async with transaction(request, principal) as tx:
        body = await outcomes.record_outcome(
            tx, settings.topic, check_id("Task", case_id), command, settings.meeting_interval_months
        )
    return resource_response(body)


@router.post("/Task/{action_id}/$acknowledge", summary="Acknowledge an action")
async def acknowledge(request: Request, action_id: str, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "Task", "acknowledge", changes_state=True)
    await Parameters.read_optional(request)
    async with transaction(request, principal) as tx:
        body = await outcomes.acknowledge(tx, check_id("Task", action_id))
    return resource_response(body)


@router.post("/Task/{action_id}/$complete", summary="Complete an action")
async def complete(request: Request, action_id: str, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "Task", "complete", changes_state=True)
    await Parameters.read_optional(request)
    async with transaction(request, principal) as tx:
        body = await outcomes.complete(tx, check_id("Task", action_id))
    return resource_response(body)
