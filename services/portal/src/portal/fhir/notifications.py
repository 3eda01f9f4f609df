"""Notification Bundles as the Backport IG sends them in R4.

Every notification (handshake, heartbeat, event, and the answers of `$status` and
`$events`) is a `history` Bundle whose first entry is the SubscriptionStatus carried
as R4 `Parameters`: the subscription, topic, status, type,
`events-since-subscription-start` and one `notification-event` (number, timestamp,
focus) per event. With `id-only` payload the focus also gets an entry of its own
(fullUrl, no resource); with `full-resource` that entry carries the resource as its
owning service answered it (or none, when it could not be read: the partner reads it
itself, and gets the service's own answer); with `empty` it is left out altogether.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from carecoord_shared.fhir.outcome import JsonObject

__all__ = ["NotificationEvent", "StatusHeader", "notification_bundle", "status_parameters"]


@dataclass(frozen=True, slots=True)
class NotificationEvent:
    number: int
    timestamp: datetime
    focus: str | None
    """Absolute URL of the resource the event is about (None when unknown)."""


@dataclass(frozen=True, slots=True)
class StatusHeader:
    subscription_url: str
    topic: str
    status: str
    type: str
    """handshake | heartbeat | event-notification | query-status | query-event"""
    events_since_start: int
    error: str | None = None


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _event(event: NotificationEvent, payload: str) -> JsonObject:
    parts: list[JsonObject] = [
        {"name": "event-number", "valueString": str(event.number)},
        {"name": "timestamp", "valueInstant": _instant(event.timestamp)},
    ]
    if payload != "empty" and event.focus:
        parts.append({"name": "focus", "valueReference": {"reference": event.focus}})
    return {"name": "notification-event", "part": parts}


def status_parameters(
    header: StatusHeader, events: Sequence[NotificationEvent], payload: str
) -> JsonObject:
    parameters: list[JsonObject] = [
        {"name": "subscription", "valueReference": {"reference": header.subscription_url}},
        {"name": "topic", "valueCanonical": header.topic},
        {"name": "status", "valueCode": header.status},
        {"name": "type", "valueCode": header.type},
        {"name": "events-since-subscription-start", "valueString": str(header.events_since_start)},
    ]
    parameters += [_event(e, payload) for e in events]
    if header.error:
        parameters.append({"name": "error", "valueCodeableConcept": {"text": header.error[:500]}})
    return {"resourceType": "Parameters", "parameter": parameters}


def notification_bundle(
    header: StatusHeader,
    events: Sequence[NotificationEvent],
    payload: str,
    now: datetime,
    resources: Mapping[str, JsonObject] | None = None,
) -> JsonObject:
    """`resources`: for full-resource, each focus read from its service, by its URL (one
    that could not be read is sent as id-only would send it: its entry without a body)."""
    resources = resources or {}
    entries: list[JsonObject] = [
        {
            "fullUrl": f"urn:uuid:{uuid.uuid4()}",
            "resource": status_parameters(header, events, payload),
            "request": {"method": "GET", "url": f"{header.subscription_url}/$status"},
            "response": {"status": "200"},
        }
    ]
    if payload != "empty":
        for focus in dict.fromkeys(e.focus for e in events if e.focus):
            entry: JsonObject = {"fullUrl": focus}
            if payload == "full-resource" and focus in resources:
                entry["resource"] = resources[focus]
            entry |= {"request": {"method": "PUT", "url": focus}, "response": {"status": "200"}}
            entries.append(entry)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "history",
        "timestamp": _instant(now),
        "entry": entries,
    }
