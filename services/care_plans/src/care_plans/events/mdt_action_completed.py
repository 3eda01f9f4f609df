"""`mdt.action-completed`: an MDT action was done, so its activity on the patient's
plan is `completed` (a late acknowledgement does not move it back; an unknown action
is ignored)."""

from __future__ import annotations

from care_plans.domain.event_types import MDT_ACTION_COMPLETED
from care_plans.events import GROUP, mdt_topic
from care_plans.service.activity_progress import mdt_action_moved
from carecoord_shared.service import Consumer

handle = mdt_action_moved("completed")

CONSUMER = Consumer(MDT_ACTION_COMPLETED, mdt_topic, handle, GROUP)
