"""`Task/{case}/$record-outcome`: what the MDT decided about a case.

`discussed` closes the case with an outcome record (a Composition) and its actions,
each a Task with an owner and a due date (announced as `action-assigned`);
`deferred` and `not-discussed` move the case to the next meeting at once. Every
outcome is announced as `outcome-recorded`. MDT members only (`Task.u`). With
`If-Match`, a case changed since that version is refused (412): two chairs saving
one case never silently overwrite each other.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import OperationCall, Param
from mdt.domain.commands import RecordOutcome
from mdt.domain.model import OUTCOMES, OWNER_KINDS
from mdt.fhir.arguments import decimal, owner_action, text, texts
from mdt.operations import Work, declare
from mdt.service import outcomes

ACTION = Param.made_of(
    "action",
    "An action agreed in the discussion, with its owner and due date.",
    Param("description", "string", 1, 1, "What is to be done."),
    Param("ownerKind", "code", 1, 1, "Who owns it.", values=OWNER_KINDS),
    Param("owner", "Reference", documentation="A person owner (literal reference)."),
    Param("ownerOrganisation", "Identifier", documentation="A practice owner (ODS code)."),
    Param("ownerDisplay", "string", documentation="Who, in words (required for a role)."),
    Param("dueOn", "date", 1, 1, "When it is due (not before today)."),
)


def _record(call: OperationCall) -> Work:
    given = call.arguments
    command = RecordOutcome(
        outcome=given.get("status"),
        summary=text(given, "summary"),
        minutes_spent=decimal(given, "minutesSpent", 0, 240),
        plan_reviewed=given.flag("planReviewed"),
        decisions=texts(given, "decision"),
        actions=tuple(owner_action(action) for action in given.all("action")),
    )
    return lambda tx, case: outcomes.record_outcome(tx, call.context, case, command, call.if_match)


OPERATION = declare(
    "$record-outcome",
    "Record a case's outcome",
    "Record a case's outcome, decisions and actions.",
    "Task",
    _record,
    ("Task", "The case (`output` -> the outcome record)."),
    inputs=(
        Param("status", "code", 1, 1, "What happened to the case.", values=OUTCOMES),
        Param("summary", "string", documentation="The discussion in a few lines."),
        Param("decision", "string", 0, None, "A decision taken."),
        Param("planReviewed", "boolean", documentation="Whether the care plan was reviewed."),
        Param("minutesSpent", "decimal", documentation="Minutes the discussion took (0-240)."),
        ACTION,
    ),
)
