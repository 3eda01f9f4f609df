"""`CareTeam/{id}/$action-summary`: where the MDT's agreed actions stand.

Read-only (GET or POST), for what a chair opens a meeting with: how many of the team's
actions are assigned, acknowledged and completed, how many of each are late on `asOf`
(default today), and the late ones themselves, longest overdue first (at most 100).
Late is past due and neither done nor, for a practice's action, acknowledged, whether
the job has escalated it yet or not. Only the MDT's members (or a system client) may
ask, as for every operation on its meetings (403); an unknown team is 404, a deleted
one 410. The late actions listed are those whose patient the caller may see (their
access rule, in the query), and the listing is audited with those patients. The
counts are the team's own workload and name nobody.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from mdt.domain.cases import AssignedAction
from mdt.fhir.arguments import day
from mdt.service.context import MdtContext
from mdt.service.teams import require_member
from mdt.store.actions import Actions

STATES = ("assigned", "acknowledged", "completed")


def _counted(state: str, count: int, late: int) -> dict[str, object]:
    return {"code": state, "count": count, "late": late}


def _late_action(action: AssignedAction) -> dict[str, object]:
    owner = action.owner_display or action.owner_organisation or action.owner_reference
    return {
        "task": {"reference": f"Task/{action.id}"},
        "description": action.description,
        "owner": owner,
        "dueOn": action.due_on.isoformat(),
        "state": action.state,
        "escalated": action.overdue_at is not None,
    }


async def action_summary(call: OperationCall) -> OperationResult:
    context: MdtContext = call.context
    mdt_id, as_of = str(call.resource_id), day(call.arguments, "asOf") or context.now().date()
    async with call.fhir.reads(call.principal) as tx:
        await tx.read("CareTeam", mdt_id)  # 404 unknown, 410 deleted, as for the meetings
        await require_member(tx, mdt_id, "Only members of this MDT can see its actions")
        tally = await tx.repository(Actions).tally(mdt_id, as_of)
        late = await tx.repository(Actions).late(mdt_id, as_of, tx.rule)
        patients = sorted({action.patient_nhs for action in late})
        await tx.record_access("E", f"CareTeam/{mdt_id}/$action-summary", patients)
    return OPERATION.result(
        asOf=as_of.isoformat(),
        state=[_counted(state, *tally.get(state, (0, 0))) for state in STATES],
        action=[_late_action(action) for action in late],
    )


OPERATION = Operation(
    "$action-summary",
    "Where the MDT's actions stand",
    "The MDT's actions counted by state, with how many are late, and the late ones "
    "(those the caller may see), longest overdue first; for the MDT's members.",
    action_summary,
    resource="CareTeam",
    changes_state=False,
    scope_type="Task",
    inputs=(Param("asOf", "date", 0, 1, "The day to judge lateness by (default today)."),),
    outputs=(
        Param("asOf", "date", 1, 1, "The day lateness was judged by."),
        Param.made_of(
            "state",
            "One state an action can be in (each, in this order), with its counts.",
            Param("code", "code", 1, 1, "The state.", values=STATES),
            Param("count", "integer", 1, 1, "How many of the MDT's actions are in it."),
            Param("late", "integer", 1, 1, "How many of those are late."),
        ),
        Param.made_of(
            "action",
            "A late action the caller may see (at most 100, longest overdue first).",
            Param("task", "Reference", 1, 1, "The action Task.", target=("Task",)),
            Param("description", "string", 1, 1, "What is to be done."),
            Param("owner", "string", 1, 1, "Who owns it: its display, ODS code or reference."),
            Param("dueOn", "date", 1, 1, "When it was due."),
            Param("state", "code", 1, 1, "assigned, or acknowledged (no ack needed)."),
            Param("escalated", "boolean", 1, 1, "Whether it has been escalated as overdue."),
        ),
    ),
)
