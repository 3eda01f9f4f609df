"""`$advice-lines`: the open advice lines of a specialty, and who to ring on each now.

Read-only (GET or POST): for `specialty` in `locality` at `at` (default now), each
open line with its phone and its on-call specialists in ringing order.
"""

from __future__ import annotations

from datetime import datetime

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from referrals.fhir.advice import line_parts
from referrals.fhir.arguments import date_time
from referrals.service.advice_lines import LONDON, advice_lines


def moment(text: str | None, now: datetime) -> datetime:
    """`at`: an ISO 8601 date-time, local (Europe/London) time if it has no zone."""
    parsed = date_time(text, "at", "value")
    if parsed is None:
        return now
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LONDON)


async def handle(call: OperationCall) -> OperationResult:
    arguments = call.arguments
    at = moment(arguments.text("at"), call.context.now())
    specialty = str(arguments.text("specialty"))
    async with call.fhir.reads(call.principal) as tx:
        found = await advice_lines(tx, specialty, arguments.text("locality"), at)
    return OPERATION.result(line=[line_parts(line) for line in found])


OPERATION = Operation(
    "advice-lines",
    "Advice lines and who to ring now",
    "Open advice lines for a specialty in a locality at a moment (default now), each with "
    "its phone and its on-call specialists in ringing order.",
    handle,
    resource="HealthcareService",
    level="type",
    changes_state=False,
    inputs=(
        Param(
            "specialty", "string", min=1, documentation="The specialty, as a token (`system|code`)."
        ),
        Param(
            "locality", "code", documentation="The caller's locality (lines covering it, or all)."
        ),
        Param(
            "at",
            "string",
            documentation="When (ISO 8601 date-time; without a zone, local time in England). "
            "Default now.",
        ),
    ),
    outputs=(
        Param.made_of(
            "line",
            "One open line.",
            Param("service", "Reference", min=1, documentation="The advice line."),
            Param("phone", "string", max=None, documentation="Its phone numbers."),
            Param.made_of(
                "onCall",
                "A specialist on call now, in ringing order.",
                Param("order", "integer", min=1, documentation="1 is rung first."),
                Param("practitionerRole", "Reference", min=1),
                Param("phone", "string", documentation="How to reach them."),
            ),
        ),
    ),
)
