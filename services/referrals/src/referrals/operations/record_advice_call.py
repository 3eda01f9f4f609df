"""`$record-advice-call`: a paramedic records an advice-line call about a patient.

The call becomes a Communication (medium phone) with its outcome, the
`advice-call.recorded` event, and the paramedic's time-limited access to the patient
(what lets them read the paramedic summary). Answers 201 with the Communication.
"""

from __future__ import annotations

from carecoord_shared.fhir.http import resource_headers
from carecoord_shared.fhir.identifiers import is_valid_nhs_number
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from referrals.domain.vocabulary import CALL_OUTCOMES
from referrals.fhir.advice import CallRecord
from referrals.fhir.arguments import bad_parameter
from referrals.service.advice_calls import record_call


def _command(call: OperationCall) -> CallRecord:
    arguments = call.arguments
    nhs_number = arguments.identifier_value("patient") or ""
    if not is_valid_nhs_number(nhs_number):
        raise bad_parameter("patient", "patient must be a valid NHS number (valueIdentifier)")
    return CallRecord(
        str(arguments.reference_id("adviceLine")),
        nhs_number,
        str(arguments.text("outcome")),
        arguments.text("note"),
        arguments.flag("followUpNeeded"),
        arguments.text("locality"),
    )


async def handle(call: OperationCall) -> OperationResult:
    command = _command(call)
    async with call.fhir.transaction(call.principal) as tx:
        stored = await record_call(tx, call.context, command)
    return OperationResult(
        stored.content or b"",
        OPERATION.status,
        resource_headers(stored, call.base_url, created=True),
    )


OPERATION = Operation(
    "record-advice-call",
    "Record a paramedic's advice-line call",
    "Record a paramedic's advice-line call as a Communication with medium phone; opens the "
    "paramedic's time-limited advice-call access to the patient, only for a patient on the "
    "register (otherwise break-glass), at most REFERRALS_ADVICE_CALLS_PER_HOUR calls an "
    "hour per paramedic (429 with Retry-After beyond). Needs Communication create.",
    handle,
    resource="Communication",
    level="type",
    scope_letter="c",
    inputs=(
        Param(
            "adviceLine",
            "Reference",
            min=1,
            documentation="The advice line rung.",
            target=("HealthcareService",),
        ),
        Param("patient", "Identifier", min=1, documentation="The patient, by NHS number."),
        Param(
            "outcome",
            "code",
            min=1,
            documentation="What happened to the patient.",
            values=CALL_OUTCOMES,
        ),
        Param("note", "string", documentation="The advice given."),
        Param(
            "followUpNeeded",
            "boolean",
            documentation="Whether someone must follow up (default no).",
        ),
        Param(
            "locality", "code", documentation="Where the patient was (for the conveyance measure)."
        ),
    ),
    outputs=(Param("return", "Communication", min=1, documentation="The call, as recorded."),),
    status=201,
)
