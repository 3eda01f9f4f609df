"""Referrals' and mdt's events the front door keeps each patient's journey from (their
A&G requests, referrals and MDT outcomes: `service.front_door_journey`); the episodes
that close (`referral.triaged`: advice given, referral accepted; `mdt.outcome-recorded`:
discussed) also ask the patient for feedback (`service.front_door_episodes`)."""

from __future__ import annotations

from typing import Any

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from portal.service.front_door_episodes import episode_closed
from portal.service.front_door_journey import JOURNEY_EVENTS, journey_changed

__all__ = ["CONSUMERS"]


async def _closed(tx: FhirTransaction, event: Event, context: Any) -> None:
    """An episode that closes: the patient's journey changes and feedback is asked."""
    del context
    await journey_changed(tx, event)
    await episode_closed(tx, event)


async def _changed(tx: FhirTransaction, event: Event, context: Any) -> None:
    del context
    await journey_changed(tx, event)


def _referrals(settings: Any) -> str:
    return str(settings.front_door_referrals_topic)


def _mdt(settings: Any) -> str:
    return str(settings.front_door_mdt_topic)


CONSUMERS = (
    Consumer("carecoord.referral.triaged.v1", _referrals, _closed, "front-door"),
    Consumer("carecoord.mdt.outcome-recorded.v1", _mdt, _closed, "front-door"),
    *(Consumer(t, _referrals, _changed, "front-door") for t in JOURNEY_EVENTS),
)
