"""`$advice-call-grants`: the advice calls through which a paramedic saw patients.

Read-only (GET or POST), at system level because its readers have no clinical scope:
information governance names any paramedic; a paramedic sees their own. Each call
that opened access: the Communication, the patient, the line rung, when, until when
the access ran, and the outcome. The review itself is audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from referrals.domain.records import AdviceCall
from referrals.fhir.arguments import bad_parameter, date_time
from referrals.fhir.parameters import Parts, patient
from referrals.fhir.shapes import instant
from referrals.service.advice_calls import advice_call_grants


def _since(text: str | None) -> datetime | None:
    moment = date_time(text, "since")
    if moment is not None and moment.tzinfo is None:
        raise bad_parameter("since", "since must carry its time zone")
    return moment


def _grant(call: AdviceCall, minutes: int) -> Parts:
    return {
        "communication": {"reference": call.communication},
        "patient": patient(call.nhs_number),
        "adviceLine": {"reference": call.advice_line},
        "calledAt": instant(call.at),
        "accessUntil": instant(call.at + timedelta(minutes=minutes)),
        "outcome": call.outcome,
        "locality": call.locality,
    }


async def handle(call: OperationCall) -> OperationResult:
    arguments = call.arguments
    since = _since(arguments.text("since"))
    async with call.fhir.reads(call.principal) as tx:
        paramedic, calls = await advice_call_grants(tx, arguments.text("paramedic"), since)
    minutes = call.context.advice_call_minutes
    return OPERATION.result(paramedic=paramedic, grant=[_grant(c, minutes) for c in calls])


OPERATION = Operation(
    "advice-call-grants",
    "A paramedic's advice-call access grants",
    "The advice calls a paramedic recorded, each of which opened their access to a patient "
    "(latest first, at most 100): for information governance, or the paramedic themself. "
    "Audited.",
    handle,
    resource=None,
    level="system",
    changes_state=False,
    inputs=(
        Param(
            "paramedic",
            "string",
            documentation="The paramedic's user id (a paramedic's own by default).",
        ),
        Param("since", "dateTime", documentation="Only calls from then on (with a time zone)."),
    ),
    outputs=(
        Param("paramedic", "string", min=1, documentation="Whose grants these are."),
        Param.made_of(
            "grant",
            "One advice call and the access it opened.",
            Param("communication", "Reference", min=1, documentation="The call's record."),
            Param("patient", "Identifier", min=1, documentation="By NHS number."),
            Param("adviceLine", "Reference", min=1, documentation="The line rung."),
            Param("calledAt", "dateTime", min=1, documentation="When it was recorded."),
            Param("accessUntil", "dateTime", min=1, documentation="When the access ended."),
            Param("outcome", "code", min=1, documentation="What happened to the patient."),
            Param("locality", "code", documentation="Where the patient was."),
        ),
    ),
)
