"""Episodes closed in other services, after which the front door asks for feedback:
referrals' `referral.triaged` (advice given, referral accepted) and mdt's
`mdt.outcome-recorded` (discussed), each from its own topic
(`service.front_door_episodes`)."""

from __future__ import annotations

from typing import Any

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from portal.service.front_door_episodes import episode_closed

__all__ = ["CONSUMERS"]


async def _handle(tx: FhirTransaction, event: Event, context: Any) -> None:
    del context
    await episode_closed(tx, event)


CONSUMERS = (
    Consumer(
        "carecoord.referral.triaged.v1",
        lambda s: s.front_door_referrals_topic,
        _handle,
        "front-door",
    ),
    Consumer(
        "carecoord.mdt.outcome-recorded.v1", lambda s: s.front_door_mdt_topic, _handle, "front-door"
    ),
)
