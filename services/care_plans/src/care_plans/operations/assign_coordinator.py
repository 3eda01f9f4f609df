"""`POST /fhir/Patient/{id}/$assign-coordinator`: name a co-ordinator or temporary cover.

Ends and hands over the running one (Provenance), moves the care-team access grant,
rebuilds the CareTeam and EpisodeOfCare and announces both events
(`service.coordinators`). Runs as the caller: they need `u` on Patient (the kernel
checks it) and `c`/`u` on CareTeam and EpisodeOfCare, and a relationship with the
patient. Answers the patient's CareTeam.
"""

from __future__ import annotations

import re
from typing import cast

from care_plans.domain.coordination import KINDS, Assignment, Coordinator, Kind
from care_plans.fhir.arguments import moment, text
from care_plans.service.context import CarePlansContext
from care_plans.service.coordinators import assign_coordinator
from carecoord_shared.fhir.operations import (
    Arguments,
    Operation,
    OperationCall,
    OperationResult,
    Param,
    parameter_path,
)
from carecoord_shared.fhir.outcome import bad_request

_SDS = re.compile(r"[0-9A-Za-z\-]{1,20}")


def assignment_from(arguments: Arguments, context: CarePlansContext) -> Assignment:
    role = arguments.get("practitionerRole")
    sds = arguments.text("sdsUserId") or ""
    if not _SDS.fullmatch(sds):
        raise bad_request("sdsUserId is not an SDS user id", (parameter_path("sdsUserId"),))
    period = arguments.get("period") or {}
    start, end = period.get("start"), period.get("end")
    display = role.get("display")
    who = Coordinator(
        str(role["reference"]),
        str(display)[:200] if display else None,
        sds,
        text(arguments, "phone", 40),
    )
    return Assignment(
        coordinator=who,
        kind=cast(Kind, arguments.code_of("kind")),
        start=moment(start, "period") if start else context.now(),
        end=moment(end, "period") if end else None,
        cover=arguments.flag("cover"),
        reason=text(arguments, "reason", 500) or "",
    )


async def assign(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    context: CarePlansContext = call.context
    assignment = assignment_from(call.arguments, context)
    async with call.fhir.transaction(call.principal) as tx:
        team = await assign_coordinator(tx, call.resource_id, assignment, context.now())
        care_team = await tx.read("CareTeam", team.split("/", 1)[1])
    return OPERATION.result(**{"return": care_team.as_json()})


OPERATION = Operation(
    "$assign-coordinator",
    "Assign a named co-ordinator or cover",
    "Assign a named co-ordinator or temporary cover; ends and hands over the running one "
    "(Provenance), moves the care-team access grant, announces both.",
    assign,
    resource="Patient",
    inputs=(
        Param(
            "practitionerRole",
            "Reference",
            1,
            1,
            "The co-ordinator, with their name in display.",
            target=("PractitionerRole", "Practitioner"),
        ),
        Param("sdsUserId", "string", 1, 1, "Their SDS user id: who the access grant is for."),
        Param("phone", "string", 0, 1, "How the patient reaches them (at most 40 characters)."),
        Param("kind", "code", 1, 1, "What kind of co-ordinator.", values=KINDS),
        Param(
            "period",
            "Period",
            0,
            1,
            "When the assignment runs; start defaults to now; cover must give an end.",
        ),
        Param("cover", "boolean", 0, 1, "Temporary cover beside the named co-ordinator."),
        Param("reason", "string", 1, 1, "Why (at most 500 characters); kept on a handover."),
    ),
    outputs=(Param("return", "CareTeam", 1, 1, "The patient's care co-ordination team."),),
)
