"""The facts the MDT service announces on `carecoord.mdt.v1` (docs/EVENTS.md, exactly).

Types and payloads only; the service queues each through its unit of work's outbox in
the transaction of the change it announces (keyed by the patient's NHS number, which
the outbox adds to every payload). The JSON Schemas in `mdt/events/schemas/` describe
the same payloads and a test holds the two together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mdt.domain.cases import AssignedAction
from mdt.domain.commands import Action, ListingSource

CASE_LISTED = "carecoord.mdt.case-listed.v1"
OUTCOME_RECORDED = "carecoord.mdt.outcome-recorded.v1"
ACTION_ASSIGNED = "carecoord.mdt.action-assigned.v1"
ACTION_OVERDUE = "carecoord.mdt.action-overdue.v1"
ACTION_ACKNOWLEDGED = "carecoord.mdt.action-acknowledged.v1"
ACTION_COMPLETED = "carecoord.mdt.action-completed.v1"
CASE_LIST_ASSEMBLED = "carecoord.mdt.case-list-assembled.v1"
SETTLED = {"acknowledged": ACTION_ACKNOWLEDGED, "completed": ACTION_COMPLETED}
"""The event announcing each step of settling an action (`$acknowledge`, `$complete`)."""

Data = dict[str, Any]


def owner(reference: str | None, display: str | None, organisation: str | None) -> Data:
    return {"reference": reference, "display": display, "organisation": organisation}


def case_listed(
    case: str, mdt_id: str, meeting_id: str | None, source: ListingSource, urgency: str
) -> Data:
    nominated = source.kind == "nomination"
    return {
        "case": case,
        "mdt": f"CareTeam/{mdt_id}",
        "meeting": f"Appointment/{meeting_id}" if meeting_id else None,
        "rule": None if nominated else source.kind,
        "nomination": source.nominator if nominated else None,
        "urgency": urgency,
    }


def outcome_recorded(
    case_id: str,
    composition: str,
    mdt_id: str,
    status: str,
    plan_reviewed: bool,
    decisions: Sequence[str],
) -> Data:
    return {
        "case": f"Task/{case_id}",
        "composition": composition,
        "mdt": f"CareTeam/{mdt_id}",
        "status": status,
        "planReviewed": plan_reviewed,
        "decisions": list(decisions),
    }


def action_assigned(action_task: str, case_id: str, action: Action) -> Data:
    return {
        "action": action_task,
        "case": f"Task/{case_id}",
        "owner": owner(action.owner_reference, action.owner_display, action.owner_organisation),
        "dueOn": action.due_on.isoformat(),
        "description": action.description,
    }


def _owner_of(action: AssignedAction) -> Data:
    return owner(action.owner_reference, action.owner_display, action.owner_organisation)


def action_overdue(action: AssignedAction) -> Data:
    return {
        "action": f"Task/{action.id}",
        "owner": _owner_of(action),
        "dueOn": action.due_on.isoformat(),
    }


def action_settled(action: AssignedAction, mdt_id: str, meeting_id: str | None) -> Data:
    """An action acknowledged or completed: references only (the action, its case, MDT
    and meeting, its owner), so the pages showing it can re-read it as their users."""
    return {
        "action": f"Task/{action.id}",
        "case": f"Task/{action.case_id}",
        "mdt": f"CareTeam/{mdt_id}",
        "meeting": f"Appointment/{meeting_id}" if meeting_id else None,
        "owner": _owner_of(action),
    }


def case_list_assembled(
    list_reference: str,
    mdt_id: str,
    meeting_id: str,
    entries: Sequence[tuple[str, bool]],
    overflow: Sequence[str],
    later_id: str | None,
) -> Data:
    """A meeting's case list (re)assembled: its cases in discussion order, those not
    ready, and those moved to the next meeting. No patient: keyed by the meeting."""
    return {
        "list": list_reference,
        "mdt": f"CareTeam/{mdt_id}",
        "meeting": f"Appointment/{meeting_id}",
        "cases": [f"Task/{case}" for case, _ in entries],
        "notReady": [f"Task/{case}" for case, ready in entries if not ready],
        "overflow": [f"Task/{case}" for case in overflow],
        "overflowMeeting": f"Appointment/{later_id}" if later_id and overflow else None,
    }
