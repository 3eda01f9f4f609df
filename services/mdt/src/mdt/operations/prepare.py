"""`Task/{case}/$prepare`: get a case ready for discussion.

Attaches the patient's recent referrals, A&G requests and advice calls, states the
question if given, and records the preparation checklist on the case Task; a case
with everything in place becomes `prepared`. MDT members only (`Task.u`).
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import OperationCall, Param
from mdt.fhir.arguments import text
from mdt.operations import Work, declare
from mdt.service import meetings


def _prepare(call: OperationCall) -> Work:
    question = text(call.arguments, "question")
    return lambda tx, case: meetings.prepare(tx, call.context, case, question)


OPERATION = declare(
    "$prepare",
    "Prepare a case",
    "Attach recent activity to a case and check it is ready.",
    "Task",
    _prepare,
    ("Task", "The case with its checklist."),
    inputs=(Param("question", "string", documentation="The question for the MDT."),),
)
