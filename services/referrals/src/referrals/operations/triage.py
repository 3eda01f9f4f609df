"""`$triage`: apply one triage outcome to a request, all or nothing.

The provider's triage clinicians record advice, acceptance, redirection, rejection
or a request for information; either side records a conversion, the referrer a
cancellation. If-Match with the request's version makes a stale decision answer 412.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from referrals.domain.triage import Outcome
from referrals.fhir.arguments import bad_parameter
from referrals.service.triage import TriageRequest, triage


def _command(call: OperationCall) -> TriageRequest:
    arguments = call.arguments
    outcome = Outcome(str(arguments.text("outcome")))
    reason, redirect_to = arguments.code_of("reason"), arguments.reference_id("redirectTo")
    if outcome is Outcome.REJECTED and reason is None:
        raise bad_parameter("reason", "A rejection needs a coded reason", "required")
    if outcome is Outcome.REDIRECTED and redirect_to is None:
        raise bad_parameter(
            "redirectTo",
            "A redirection needs redirectTo, a HealthcareService reference",
            "required",
        )
    assert call.resource_id is not None
    return TriageRequest(
        call.resource_id, outcome, arguments.text("note"), reason, redirect_to, call.if_match
    )


async def handle(call: OperationCall) -> OperationResult:
    command = _command(call)
    async with call.fhir.transaction(call.principal) as tx:
        result = await triage(tx, call.context, command)
    answer = OPERATION.result(
        state=result.state.value,
        serviceRequest={"reference": result.request.reference},
        task={"reference": result.task},
        referral={"reference": result.referral} if result.referral else None,
    )
    answer.headers["ETag"] = result.request.etag
    return answer


OPERATION = Operation(
    "triage",
    "Apply a triage outcome",
    "Apply a triage outcome to an advice & guidance request or referral. The request's "
    "triage Task, its response clock and its triage state move together, in one "
    "transaction. If-Match with the request's version makes a stale decision answer 412.",
    handle,
    resource="ServiceRequest",
    inputs=(
        Param(
            "outcome",
            "code",
            min=1,
            documentation="What the caller decides (cancelled is the referrer's; converted "
            "either side's).",
            values=tuple(o.value for o in Outcome),
        ),
        Param("note", "string", documentation="Advice or a note for the other side."),
        Param("reason", "CodeableConcept", documentation="Why (required for rejected)."),
        Param(
            "redirectTo",
            "Reference",
            documentation="The service the request goes to instead (required for redirected).",
            target=("HealthcareService",),
        ),
    ),
    outputs=(
        Param("state", "code", min=1, documentation="The request's triage state now."),
        Param(
            "serviceRequest", "Reference", min=1, documentation="The request, as it is now (ETag)."
        ),
        Param(
            "task",
            "Reference",
            min=1,
            documentation="The triage Task (a new one after redirection).",
        ),
        Param("referral", "Reference", documentation="The referral a conversion made."),
    ),
)
