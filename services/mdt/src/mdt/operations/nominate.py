"""`CareTeam/{id}/$nominate`: a clinician puts a patient on the MDT's list.

Nominating changes case Tasks, so it needs `Task.u`, and a care relationship with
the patient. A new case answers 201 with its `Location`; a nomination of a patient
with an open case is added to it (its reason as a note, urgency raised if higher)
and answers 200. Nominations of one patient to one MDT queue up (`Cases.open_case`),
so of several at once exactly one creates the case and the others add to it.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import OperationCall, Param
from mdt.domain.commands import ListingSource, ListPatient
from mdt.domain.model import URGENCIES
from mdt.fhir.arguments import decimal, nhs_number, text
from mdt.fhir.shapes import instant
from mdt.operations import Work, declare
from mdt.service import listing
from mdt.service.context import MdtContext

PURPOSES = ("for-discussion", "for-information")


def _command(call: OperationCall, context: MdtContext) -> ListPatient:
    given = call.arguments
    reason = text(given, "reason") or ""
    at = instant(context.now())
    return ListPatient(
        patient=nhs_number(given, "patient"),
        source=ListingSource("nomination", reason, nominator=call.principal.subject, at=at),
        urgency=given.get("urgency") or "routine",
        question=text(given, "question"),
        for_discussion=(given.get("purpose") or "for-discussion") == "for-discussion",
        risk=decimal(given, "risk", 0, 100),
    )


def _nominate(call: OperationCall) -> Work:
    context: MdtContext = call.context
    command = _command(call, context)
    return lambda tx, team: listing.nominate(tx, team, command, context.now())


OPERATION = declare(
    "$nominate",
    "Nominate a patient to the MDT",
    "Nominate a patient to the MDT (added to their open case if they have one).",
    "CareTeam",
    _nominate,
    ("Task", "The patient's case."),
    inputs=(
        Param("patient", "Identifier", 1, 1, "The patient's NHS number."),
        Param("reason", "string", 1, 1, "Why the MDT should see the patient."),
        Param("question", "string", documentation="The question for the MDT."),
        Param("urgency", "code", documentation="Default routine.", values=URGENCIES),
        Param("purpose", "code", documentation="Default for-discussion.", values=PURPOSES),
        Param("risk", "decimal", documentation="Risk 0-100 (else care plans' risk score)."),
    ),
    scope_type="Task",
    status=201,
)
