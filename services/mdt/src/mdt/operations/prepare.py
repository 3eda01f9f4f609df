"""`Task/{case}/$prepare`: get a case ready for discussion.

Attaches the patient's recent referrals, A&G requests and advice calls, states the
question if given, and records the preparation checklist on the case Task; a case
with everything in place becomes `prepared`. MDT members only (`Task.u`).
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from mdt.fhir.arguments import text
from mdt.operations import answer
from mdt.service import meetings


async def prepare(call: OperationCall) -> OperationResult:
    question = text(call.arguments, "question")
    return await answer(
        OPERATION, call, lambda tx, case: meetings.prepare(tx, call.context, case, question)
    )


OPERATION = Operation(
    name="$prepare",
    title="Prepare a case",
    documentation="Attach recent activity to a case and check it is ready.",
    handler=prepare,
    resource="Task",
    inputs=(Param("question", "string", documentation="The question for the MDT."),),
    outputs=(Param("return", "Task", 1, 1, "The case with its checklist."),),
)
