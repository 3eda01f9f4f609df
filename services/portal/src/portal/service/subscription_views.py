"""What a partner reads about its own subscription: `$status`, `$events`, `$deliveries`,
and `$resume` to recover.

A partner reaches only its own subscriptions; anyone else's id answers 404 as an
unknown one. `$events` replays from the gap-free event numbers (kept at least 30 days)
exactly what was recorded for the partner; `$deliveries` is the per-attempt log;
`$resume` re-activates (a new handshake) and replays the backlog in order, optionally
also everything recorded since a time ("recover since T"), under the original
`webhook-id`s so the partner's de-duplication still holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carecoord_shared.fhir.outcome import JsonObject, bad_request, not_found
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from portal.domain.subscriptions import Attempt, PartnerSubscription
from portal.fhir.notifications import (
    NotificationEvent,
    StatusHeader,
    notification_bundle,
    status_parameters,
)
from portal.service.context import PortalContext
from portal.service.delivery import subscription_url
from portal.service.subscription_lifecycle import change_status
from portal.store.delivery import Deliveries
from portal.store.subscription_wake import SubscriptionWake
from portal.store.subscriptions import SubscriptionRows

__all__ = ["attempts_of", "events_of", "instant_argument", "owned", "resume", "status_of"]

MAX_EVENTS = 1000


async def owned(tx: FhirTransaction, subscription_id: str) -> PartnerSubscription:
    row = await tx.repository(SubscriptionRows).get(subscription_id)
    principal = tx.principal
    if row is None or principal.kind != "system" or row.partner != principal.subject:
        raise not_found("Subscription", subscription_id)
    return row


def _header(context: PortalContext, row: PartnerSubscription, kind: str) -> StatusHeader:
    return StatusHeader(
        subscription_url(context, row.id),
        row.topic,
        row.status,
        kind,
        row.events_since_start,
        row.error,
    )


def status_of(context: PortalContext, row: PartnerSubscription) -> JsonObject:
    """`$status`: a searchset Bundle of the one SubscriptionStatus."""
    status = status_parameters(_header(context, row, "query-status"), [], "empty")
    status["id"] = f"{row.id}-status"  # a search result needs an id
    url = subscription_url(context, row.id)
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "link": [{"relation": "self", "url": f"{url}/$status"}],
        "entry": [{"fullUrl": f"{url}/$status", "resource": status, "search": {"mode": "match"}}],
    }


def instant_argument(text: str | None, name: str) -> datetime | None:
    """An instant parameter (with its time zone), or a 400 naming it."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        text = f"{name} must be an instant with its time zone, e.g. 2026-11-30T09:00:00Z"
        raise bad_request(text, (f"Parameters.parameter.where(name='{name}')",))
    return moment


def _number(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    if not text.isdigit():
        raise bad_request(
            f"{name} must be a whole number", (f"Parameters.parameter.where(name='{name}')",)
        )
    return int(text)


async def events_of(
    tx: FhirTransaction,
    context: PortalContext,
    row: PartnerSubscription,
    since: str | None,
    until: str | None,
    content: str | None,
) -> JsonObject:
    low, high = _number(since, "eventsSinceNumber"), _number(until, "eventsUntilNumber")
    notes = await tx.repository(Deliveries).between(row.id, low, high, MAX_EVENTS)
    events = [NotificationEvent(n.event_number, n.occurred_at, n.focus) for n in notes]
    payload = content or row.payload
    if payload == "full-resource":
        payload = "id-only"  # a replay names the resources; read them now from their service
    return notification_bundle(
        _header(context, row, "query-event"), events, payload, context.clock()
    )


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _attempt(attempt: Attempt) -> dict[str, Any]:
    return {
        "webhook-id": attempt.webhook_id,
        "kind": attempt.kind,
        "event-number": None if attempt.event_number is None else str(attempt.event_number),
        "when": _instant(attempt.attempted_at),
        "status": attempt.status_code,
        "outcome": attempt.outcome,
        "latency-ms": attempt.latency_ms,
        "next-attempt": _instant(attempt.next_attempt_at),
    }


async def attempts_of(
    tx: FhirTransaction, row: PartnerSubscription, since: datetime | None, count: int
) -> list[dict[str, Any]]:
    log = await tx.repository(Deliveries).log_of(row.id, since, count)
    return [_attempt(a) for a in log]


async def resume(tx: FhirTransaction, row: PartnerSubscription, since: datetime | None) -> int:
    """Back to `requested` (the handshake comes next); the backlog queued again."""
    requeued = await tx.repository(Deliveries).requeue(row.id, since)
    await change_status(tx, row.id, "requested", None, failures=0, next_attempt_at=None)
    await tx.repository(SubscriptionWake).wake(row.id)
    return requeued
