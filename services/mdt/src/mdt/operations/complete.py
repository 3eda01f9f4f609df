"""`Task/{action}/$complete`: an MDT action is done.

Anyone with a relationship with the patient (the read of the action checks it) and
`Task.u` may complete it; a completed action no longer escalates.
"""

from __future__ import annotations

from mdt.operations import declare
from mdt.service import outcomes

OPERATION = declare(
    "$complete",
    "Complete an action",
    "Mark an action done.",
    "Task",
    lambda _call: outcomes.complete,
    ("Task", "The action, completed."),
)
