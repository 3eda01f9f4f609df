"""care_plans' events the front door keeps its read model of each patient's care from.

`careplan.revised`, `coordinator.assigned` and `coordinator.ended` arrive on care_plans'
topic; each is applied to the portal's own copy, so the P9 "my care" page and
care-plan-aware routing keep working when care_plans is down (issue 11). One table:
the event type and what it does to the read model (`service.front_door_care`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from portal.service import front_door_care

__all__ = ["CONSUMERS"]

Apply = Callable[[FhirTransaction, Event], Awaitable[None]]


def _consumer(event_type: str, apply: Apply) -> Consumer:
    async def handle(tx: FhirTransaction, event: Event, context: Any) -> None:
        del context
        await apply(tx, event)

    return Consumer(event_type, lambda s: s.front_door_careplans_topic, handle, "front-door")


CONSUMERS = (
    _consumer("carecoord.careplan.revised.v1", front_door_care.plan_revised),
    _consumer("carecoord.coordinator.assigned.v1", front_door_care.coordinator_assigned),
    _consumer("carecoord.coordinator.ended.v1", front_door_care.coordinator_ended),
)
