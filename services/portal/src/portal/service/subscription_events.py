"""Recording each event for every subscription it matches, numbered without gaps.

Runs in the portal worker's consumer transaction, beside the inbox row: an event is
recorded for each counting subscription to one of its topics whose filters hold and
whose partner may receive it (agreement, consent), under that subscription's next
event number. Redelivery changes nothing (the inbox, and a unique key per event).
The delivery loop sends what is recorded here.
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from portal.domain.subscriptions import Notification, shares
from portal.domain.topics import Topic, matches, topic_by_canonical, topics_for_event
from portal.service.context import PortalContext
from portal.store.delivery import Deliveries
from portal.store.subscriptions import SubscriptionRows

__all__ = ["focus_url", "record_event"]

REGISTERED = "carecoord.patient.registered.v1"


def focus_url(context: PortalContext, topic: Topic, data: dict[str, object]) -> str | None:
    """The absolute URL of the resource the event is about, at its owning service."""
    reference = data.get(topic.focus_key)
    if not isinstance(reference, str) or "/" not in reference:
        return None
    settings = context.settings
    base = {
        "referrals": settings.referrals_fhir_base,
        "care_plans": settings.care_plans_fhir_base,
        "mdt": settings.mdt_fhir_base,
        "portal": settings.portal_fhir_base,
    }[topic.owner]
    return f"{base.rstrip('/')}/{reference}"


async def record_event(tx: FhirTransaction, event: Event, context: PortalContext) -> None:
    rows = tx.repository(SubscriptionRows)
    data = event.data
    nhs = str(data["nhsNumber"]) if isinstance(data.get("nhsNumber"), str) else None
    if event.type == REGISTERED and nhs and isinstance(data.get("practice"), str):
        await rows.set_practice(nhs, str(data["practice"]))
    topics = topics_for_event(event.type)
    if not topics:
        return
    candidates, (practice, consents) = await rows.counting([t.canonical for t in topics], nhs)
    chosen = [
        (subscription, topic)
        for subscription in candidates
        if (topic := topic_by_canonical(subscription.topic)) is not None
        and matches(subscription.filters, data, practice)
        and shares(frozenset(subscription.agreement), practice, consents)
    ]
    deliveries = tx.repository(Deliveries)
    for subscription, topic in chosen:
        await deliveries.record(  # numbered there; a redelivered event is kept once
            Notification(
                subscription_id=subscription.id,
                event_number=0,
                event_id=event.id,
                event_type=event.type,
                patient_nhs=nhs,
                focus=focus_url(context, topic, data),
                occurred_at=event.time,
                recorded_at=context.clock(),
                state="pending",
                attempts=0,
                delivered_at=None,
            )
        )
