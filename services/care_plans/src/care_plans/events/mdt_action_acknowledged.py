"""`mdt.action-acknowledged`: the owning practice acknowledged an MDT action, so its
activity on the patient's plan is `accepted` (forward only; an unknown action is
ignored)."""

from __future__ import annotations

from care_plans.domain.event_types import MDT_ACTION_ACKNOWLEDGED
from care_plans.events import GROUP, mdt_topic
from care_plans.service.activity_progress import mdt_action_moved
from carecoord_shared.service import Consumer

handle = mdt_action_moved("accepted")

CONSUMER = Consumer(MDT_ACTION_ACKNOWLEDGED, mdt_topic, handle, GROUP)
