"""Every event on every CareCoord topic, offered to partners' subscriptions.

One consumer group (`subscriptions`) reads the referrals, care plans, MDT and portal
topics; each event is recorded, in the consumer's transaction beside the inbox row, for
every subscription it matches (`service.subscription_events`). Kafka's key is the NHS
number, so one patient's events arrive, and are numbered, in order.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from portal.service.subscription_events import record_event

__all__ = ["CONSUMERS"]

GROUP = "subscriptions"


async def _handle(tx: FhirTransaction, event: Event, context: Any) -> None:
    await record_event(tx, event, context)


CONSUMERS = (
    Consumer("*", lambda s: str(s.referrals_topic), _handle, GROUP),
    Consumer("*", lambda s: str(s.care_plans_topic), _handle, GROUP),
    Consumer("*", lambda s: str(s.mdt_topic), _handle, GROUP),
    Consumer("*", lambda s: str(s.topic), _handle, GROUP),
)
