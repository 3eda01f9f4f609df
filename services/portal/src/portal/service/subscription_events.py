"""Recording events for every subscription they match, numbered without gaps.

Runs in the portal worker's consumer transaction, beside the inbox rows: each event is
gathered, and when the unit of work finishes the whole run is recorded set-based (one
statement for the subscriptions the run may concern, one for its patients' practices
and Consents, one keeping every notification under its subscription's next numbers,
and one for the practices `patient.registered` events taught). An event is recorded
for each counting subscription to one of its topics whose filters hold and whose
partner may receive it (agreement, consent), in the run's order, so each patient's
events are numbered in order; a practice registered earlier in the run counts for the
events after it. Redelivery changes nothing (the inbox, and a unique key per event).
The delivery loop sends what is recorded here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from carecoord_shared.events import Event
from carecoord_shared.fhir.gathering import Gathering
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from portal.domain.subscriptions import Notification, PartnerSubscription, shares
from portal.domain.topics import Topic, matches, topics_for_event
from portal.service.context import PortalContext
from portal.store.delivery import Deliveries
from portal.store.subscription_sharing import PatientSharing, SharingRows
from portal.store.subscriptions import SubscriptionRows

__all__ = ["focus_url", "record_event"]

REGISTERED = "carecoord.patient.registered.v1"


def focus_url(context: PortalContext, topic: Topic, data: Mapping[str, object]) -> str | None:
    """The absolute URL of the resource the event is about, at its owning service."""
    reference = data.get(topic.focus_key)
    if not isinstance(reference, str) or "/" not in reference:
        return None
    settings = context.settings
    base = {
        "referrals": settings.referrals_fhir_base,
        "care_plans": settings.care_plans_fhir_base,
        "mdt": settings.mdt_fhir_base,
        "portal": settings.fhir_base,
    }[topic.owner]
    return f"{base.rstrip('/')}/{reference}"


def _nhs(event: Event) -> str | None:
    nhs = event.data.get("nhsNumber")
    return nhs if isinstance(nhs, str) and nhs else None


async def record_event(tx: FhirTransaction, event: Event, context: PortalContext) -> None:
    """Recorded with the rest of the run when the unit of work finishes."""
    tx.gather(RECORDING, id(context), (event, context))


async def _record_run(
    tx: FhirTransaction, _key: int, gathered: list[tuple[Event, PortalContext]]
) -> None:
    context, events = gathered[0][1], [event for event, _ in gathered]
    patients = sorted({nhs for event in events if (nhs := _nhs(event))})
    topics = sorted({t.canonical for e in events for t in topics_for_event(e.type)})
    rows = tx.repository(SubscriptionRows)
    candidates = await rows.counting(topics, patients) if topics else []
    sharing = await tx.repository(SharingRows).of(patients) if candidates else {}
    registered: dict[str, str] = {}
    notes: list[Notification] = []
    now = context.clock()
    for event in events:
        nhs, practice = _nhs(event), event.data.get("practice")
        if event.type == REGISTERED and nhs and isinstance(practice, str):
            registered[nhs] = practice
            sharing[nhs] = (practice, sharing.get(nhs, (None, []))[1])
        found = sharing.get(nhs, (None, [])) if nhs else (None, [])
        notes.extend(_notes(context, event, nhs, found, candidates, now))
    await rows.set_practices(registered)
    await tx.repository(Deliveries).record(notes)


RECORDING = Gathering("subscription-events", _record_run)


def _notes(
    context: PortalContext,
    event: Event,
    nhs: str | None,
    sharing: PatientSharing,
    candidates: Sequence[PartnerSubscription],
    now: datetime,
) -> Iterator[Notification]:
    """The event's notification for each subscription it matches, as it may be shared."""
    practice, consents = sharing
    for topic in topics_for_event(event.type):
        for subscription in candidates:
            if (
                subscription.topic == topic.canonical
                and subscription.filters.get("patient") in (None, nhs)
                and matches(subscription.filters, event.data, practice)
                and shares(frozenset(subscription.agreement), practice, consents)
            ):
                yield Notification(
                    subscription_id=subscription.id,
                    event_number=0,  # numbered when recorded
                    event_id=event.id,
                    event_type=event.type,
                    patient_nhs=nhs,
                    focus=focus_url(context, topic, event.data),
                    occurred_at=event.time,
                    recorded_at=now,
                    state="pending",
                    attempts=0,
                    delivered_at=None,
                )
