"""`$assign-coordinator` on a Patient: routes stay thin; the rules are in the service layer.

Input (Parameters): `practitionerRole` (valueReference to PractitionerRole or
Practitioner, with display), `sdsUserId` (valueString), `phone` (valueString),
`kind` (valueCode: lead-gp | named-care-coordinator | key-worker), `period`
(valuePeriod; start defaults to now; an end is required for cover), `cover`
(valueBoolean) and `reason` (valueString). Answers 200 with the patient's CareTeam.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import cast

from fastapi import APIRouter, Request
from fastapi.responses import Response

from care_plans.api.params import ParametersIn, instant, parameters_body
from care_plans.domain.coordination import KINDS, Assignment, Coordinator, Kind
from care_plans.service.coordinators import assign_coordinator
from carecoord_shared.fhir.http import fhir_response
from carecoord_shared.fhir.outcome import bad_request
from carecoord_shared.fhir.parsing import check_id
from carecoord_shared.fhir.registry import OperationDeclaration
from carecoord_shared.security.fastapi import CurrentPrincipal, require_operation

ASSIGN = OperationDeclaration(
    "assign-coordinator",
    "Patient",
    instance=True,
    documentation="Assign a named co-ordinator or temporary cover; ends and hands over the "
    "running one (Provenance), moves the care-team access grant, announces both.",
)
_ROLE_REF = re.compile(r"(PractitionerRole|Practitioner)/[A-Za-z0-9\-.]{1,64}")
_SDS = re.compile(r"[0-9A-Za-z\-]{1,20}")
router = APIRouter(prefix="/fhir", tags=["Co-ordinators"])


def assignment_from(params: ParametersIn) -> Assignment:
    role = params.value("practitionerRole", "Reference", required=True)
    if not isinstance(role, dict) or not _ROLE_REF.fullmatch(str(role.get("reference", ""))):
        where = (params.where("practitionerRole"),)
        raise bad_request("practitionerRole must reference a PractitionerRole", where)
    sds = params.text("sdsUserId", required=True) or ""
    if not _SDS.fullmatch(sds):
        raise bad_request("sdsUserId is not an SDS user id", (params.where("sdsUserId"),))
    kind = params.value("kind", "Code", required=True)
    if kind not in KINDS:
        raise bad_request(f"kind must be one of {', '.join(KINDS)}", (params.where("kind"),))
    period = params.value("period", "Period") or {}
    start, end = period.get("start"), period.get("end")
    display = role.get("display")
    who = Coordinator(
        role["reference"],
        str(display)[:200] if display else None,
        sds,
        params.text("phone", limit=40),
    )
    return Assignment(
        coordinator=who,
        kind=cast(Kind, kind),
        start=instant(start, "period.start") if start else datetime.now(UTC),
        end=instant(end, "period.end") if end else None,
        cover=params.value("cover", "Boolean") is True,
        reason=params.text("reason", required=True, limit=500) or "",
    )


@router.post("/Patient/{patient_id}/$assign-coordinator", summary=ASSIGN.documentation)
async def assign(request: Request, patient_id: str, principal: CurrentPrincipal) -> Response:
    require_operation(principal, "Patient", ASSIGN.name, changes_state=True)
    assignment = assignment_from(await parameters_body(request))
    settings = request.app.state.settings
    async with request.app.state.fhir.transaction(principal) as tx:
        patient = check_id("Patient", patient_id)
        data = await assign_coordinator(tx, patient, assignment, settings.topic)
        team = await tx.read("CareTeam", data["careTeam"].split("/", 1)[1])
    return fhir_response(team.content or b"{}")
