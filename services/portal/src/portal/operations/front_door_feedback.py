"""`$feedback-report`: the week's feedback along the pathway, as a MeasureReport.

For each pathway (the route each answered request took): how many patients answered
the feedback question, how many found the answer helpful, and the share who did
(issue 11, "real-time feedback along the pathway"). Counted over the answers the
caller may see: staff see their own patients'.
"""

from __future__ import annotations

from carecoord_shared.fhir.operation_parameters import parameter_path
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from carecoord_shared.fhir.outcome import bad_request
from portal.service.context import PortalContext
from portal.service.front_door_feedback import week_of, weekly_report

__all__ = ["FEEDBACK_REPORT"]


async def _report(call: OperationCall) -> OperationResult:
    context: PortalContext = call.context
    now = context.clock()
    try:
        start = week_of(call.arguments.text("week"), now)
    except ValueError:
        raise bad_request(
            "'week' must be an ISO week such as 2026-W49", (parameter_path("week"),)
        ) from None
    report = await weekly_report(call.fhir, call.principal, start, now)
    return FEEDBACK_REPORT.result(**{"return": report})


FEEDBACK_REPORT = Operation(
    name="$feedback-report",
    title="Feedback along the pathway, by week",
    documentation="A summary MeasureReport of the front door's feedback question for one "
    "ISO week: per pathway, the answers, the helpful ones and their share.",
    handler=_report,
    level="system",
    changes_state=False,
    scope_type="QuestionnaireResponse",
    scope_letter="s",
    inputs=(Param("week", "string", documentation="ISO week, e.g. 2026-W49 (default: this week)"),),
    outputs=(Param("return", "MeasureReport", min=1, documentation="The week's summary"),),
)
