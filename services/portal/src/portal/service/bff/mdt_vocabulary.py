"""The codes the MDT pages send to and read from the mdt service, with the words people
see for them.

The mdt service owns these (its README: the `mdt` code system of its Tasks and lists,
the case's businessStatus and checklist, `$record-outcome`'s statuses, an action's
states) under the project's canonical root; the portal spells them the same way and
names them for a person, here rather than beside each view that shows one. Each view
says what it shows for a code its table does not list.
"""

from __future__ import annotations

from typing import Final

from carecoord_shared.fhir.definitions import system_url
from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT

__all__ = [
    "ACTION_STATES",
    "BOARD_STATES",
    "CASE_OUTCOMES",
    "CASE_STATES",
    "CHECKLIST",
    "MDT_CODES",
    "MEETING_ID",
    "URGENCY",
]

MDT_CODES: Final = system_url("mdt")
MEETING_ID: Final = f"{CANONICAL_ROOT}/Id/mdt-meeting"

CASE_STATES: Final = {
    "listed": "Listed",
    "prepared": "Prepared",
    "discussed": "Discussed",
    "deferred": "Deferred",
    "not-discussed": "Not discussed",
}
"""A case's businessStatus."""
URGENCY: Final = {"routine": "Routine", "urgent": "Soon", "asap": "Urgent", "stat": "Urgent"}
"""A case Task's priority, in the words of the MDT's list."""
CHECKLIST: Final = {
    "question-stated": "Question stated",
    "care-plan-current": "Care plan current",
    "recent-activity-attached": "Recent referrals and advice attached",
}
"""The items `$prepare` checks on a case."""
CASE_OUTCOMES: Final = {
    "discussed": "Discussed",
    "deferred": "Deferred to the next meeting",
    "not-discussed": "Listed, not discussed",
}
"""The statuses the chair may record (`$record-outcome`), as the outcome form offers them."""

ACTION_STATES: Final = {
    "assigned": "Waiting for you to acknowledge",
    "acknowledged": "Acknowledged",
    "completed": "Completed",
    "overdue": "Overdue",
}
"""An action Task's state, as its owning practice reads it."""
BOARD_STATES: Final = {
    "open": "Open (not completed)",
    "overdue": "Overdue",
    "assigned": "Waiting to be acknowledged",
    "acknowledged": "Acknowledged",
    "completed": "Completed",
}
"""The action board's state filter (`open`: every state but completed)."""
