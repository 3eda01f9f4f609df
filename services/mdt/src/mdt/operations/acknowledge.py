"""`Task/{action}/$acknowledge`: the owning practice acknowledges an MDT action.

Only an action given to a practice (by ODS code) needs acknowledging, and only that
practice (the token's `org`) may; until it does, the action escalates once overdue.
"""

from __future__ import annotations

from mdt.operations import declare
from mdt.service import outcomes

OPERATION = declare(
    "$acknowledge",
    "Acknowledge an action",
    "The owning practice acknowledges an action.",
    "Task",
    lambda _call: outcomes.acknowledge,
    ("Task", "The action, acknowledged."),
)
