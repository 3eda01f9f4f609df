"""`mdt.action-assigned`: an action an MDT gave someone becomes an activity on the
patient's plan, with its owner and due date, once per action."""

from __future__ import annotations

from care_plans.domain.event_types import MDT_ACTION_ASSIGNED
from care_plans.events import GROUP, mdt_topic
from care_plans.fhir.activities import mdt_action_activity
from care_plans.service.context import CarePlansContext
from care_plans.service.reactions import add_activity
from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer


async def handle(tx: FhirTransaction, event: Event, context: CarePlansContext) -> None:
    task = mdt_action_activity(event.data)
    if task is not None:
        add_activity(tx, str(event.data["nhsNumber"]), task, event.type, context.now())


CONSUMER = Consumer(MDT_ACTION_ASSIGNED, mdt_topic, handle, GROUP)
