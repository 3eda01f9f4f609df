"""A partner's subscription as the portal keeps it, and the rules of its lifecycle.

The stored R4 Subscription is what the partner reads; this is what delivery runs on:
the topic, ANDed filters, the endpoint and its secrets, payload level and timings,
and whose agreement it was made under. Statuses follow R4 (`requested` until the
endpoint answers the handshake, `active`, `error` once deliveries are exhausted or the
handshake fails, `off` when the endpoint answers 410 Gone); events keep being counted
in every status but `off` (Backport IG, "Handling Errors").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

__all__ = [
    "COUNTING",
    "PAYLOADS",
    "Attempt",
    "Notification",
    "PartnerSubscription",
    "Payload",
    "Status",
    "SubscriptionSpec",
    "agreement_covers",
    "consent_withholds",
    "shares",
]

Status = Literal["requested", "active", "error", "off"]
Payload = Literal["empty", "id-only", "full-resource"]
PAYLOADS: tuple[Payload, ...] = ("empty", "id-only", "full-resource")
COUNTING: tuple[Status, ...] = ("requested", "active", "error")
"""Statuses in which events are still recorded (and numbered) for the subscription."""
DEFAULT_TIMEOUT_S = 15
MAX_TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class SubscriptionSpec:
    """What the partner asked for, checked."""

    topic: str
    filters: Mapping[str, str]
    endpoint: str
    headers: tuple[str, ...]
    payload: Payload
    heartbeat_s: int | None
    timeout_s: int
    max_count: int
    status: Status
    secret: str | None
    contact: str | None = None
    end: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


def agreement_covers(agreement: frozenset[str], practice: str | None) -> bool:
    """A partner receives a patient's events only if its data-sharing agreement covers
    the patient's registered practice (`*`: the whole system)."""
    if "*" in agreement:
        return True
    return practice is not None and practice in agreement


def consent_withholds(consents: Sequence[Mapping[str, object]]) -> bool:
    """An active Consent whose base provision denies: the patient withholds sharing."""
    for consent in consents:
        provision = consent.get("provision")
        active = consent.get("status") == "active"
        if active and isinstance(provision, Mapping) and provision.get("type") == "deny":
            return True
    return False


def shares(
    agreement: frozenset[str], practice: str | None, consents: Sequence[Mapping[str, object]]
) -> bool:
    """A patient's data goes to a partner if its agreement covers the patient's practice
    and no Consent of the patient withholds sharing."""
    return agreement_covers(agreement, practice) and not consent_withholds(consents)


@dataclass(frozen=True, slots=True)
class PartnerSubscription:
    """A subscription's delivery state, as kept beside its stored resource."""

    id: str
    partner: str
    topic: str
    filters: Mapping[str, str]
    endpoint: str
    headers: list[str]
    payload: str
    heartbeat_s: int | None
    timeout_s: int
    max_count: int
    secrets: list[str]
    agreement: list[str]
    contact: str | None
    status: str
    error: str | None
    events_since_start: int
    failures: int
    next_attempt_at: datetime | None
    lease_until: datetime | None
    last_sent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Notification:
    """One event recorded for one subscription under its number."""

    subscription_id: str
    event_number: int
    event_id: str
    event_type: str
    patient_nhs: str | None
    focus: str | None
    occurred_at: datetime
    recorded_at: datetime
    state: str
    """pending | delivered | withheld"""
    attempts: int
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt to deliver (a handshake, heartbeat or notification), for the log."""

    subscription_id: str
    webhook_id: str
    kind: str
    event_number: int | None
    attempted_at: datetime
    status_code: int | None
    outcome: str
    latency_ms: int
    next_attempt_at: datetime | None
