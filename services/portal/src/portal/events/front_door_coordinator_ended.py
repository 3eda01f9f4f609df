"""`carecoord.coordinator.ended.v1` from care_plans, into the front door's read model.

The P9 "my care" page and care-plan-aware routing read the portal's own copy, so they
keep working when care_plans is down (issue 11).
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from portal.service import front_door_care


async def handle(tx: FhirTransaction, event: Event, context: Any) -> None:
    del context
    await front_door_care.coordinator_ended(tx, event)


CONSUMER = Consumer(
    "carecoord.coordinator.ended.v1", lambda s: s.front_door_careplans_topic, handle, "front-door"
)
