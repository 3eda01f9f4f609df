"""One round of delivery for one subscription: handshake, backlog in order, heartbeat.

The delivery loop gives each subscription with work a round of its own (a task, under
a lease), so a slow or failing endpoint only ever holds up itself. A round handshakes
a `requested` subscription (`active` on 2xx, else `error` with the reason), then claims
pending notifications in batches (one unit of work each, agreement and consent checked
again) and sends them strictly by event number, up to the subscription's `maxCount`
events per Bundle (so each patient's events arrive in order); what the partner took is
recorded set-based in one more unit of work. Once the backlog is sent the round keeps
its lease for `delivery_linger_s`, woken (`poke`) when the consumer records more, so a
busy subscription is not leased and released per event. It stops at the first
failure: the head is retried on the schedule (or at `Retry-After`), 410 turns the
subscription `off`, an exhausted schedule turns it `error` and tells the partner's
admin. An idle active subscription gets its heartbeat. No unit of work is held open
while waiting on a partner. A worker killed mid-round leaves its notifications
pending: they go again, a single event under the same `webhook-id`, and every event
under its number.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

import httpx
import orjson

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.security.principal import Principal
from portal.domain.subscriptions import Notification, PartnerSubscription
from portal.fhir.notifications import NotificationEvent, StatusHeader, notification_bundle
from portal.service.context import PortalContext
from portal.service.delivery_focus import read_focuses
from portal.service.delivery_http import Sent, post_signed
from portal.service.delivery_record import Lease, Recorder, Shipment
from portal.store.subscriptions import SubscriptionRows

__all__ = ["Round", "subscription_url"]

CLAIM = 500
"""Pending notifications claimed (and checked) in one unit of work."""
MAX_CLAIMS = 8
"""Claims per round without a pause, so a busy backlog gives its lease back now and then."""
ROUND_S = 30.0
"""How long a round keeps its lease waiting for more (then the next round takes over)."""


def subscription_url(context: PortalContext, subscription_id: str) -> str:
    return f"{context.settings.fhir_base.rstrip('/')}/Subscription/{subscription_id}"


@dataclass(slots=True)
class Round:
    fhir: FhirInteractions
    context: PortalContext
    worker: Principal
    reads: httpx.AsyncClient
    """Connections for reading full-resource focuses from the owning services."""
    hook: httpx.AsyncBaseTransport
    """Connections to this subscription's endpoint."""
    gate: asyncio.Semaphore
    """Sends at once in this worker (`delivery_concurrency`), whatever the rounds."""
    linger_s: float = 0.0
    poked: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, subscription_id: str) -> None:
        now = self.context.clock()
        length = timedelta(seconds=self.context.settings.delivery_lease_s)
        async with self.fhir.operation(self.worker) as tx:
            leased = await tx.repository(SubscriptionRows).lease(subscription_id, now, now + length)
        if leased is None:
            return
        recorder = Recorder(self.fhir, self.context, self.worker)
        try:
            await self._work(leased, recorder, Lease(subscription_id, now + length, length))
        finally:
            await recorder.release(subscription_id)

    def poke(self) -> None:
        """More notifications were recorded for this subscription meanwhile."""
        self.poked.set()

    async def _work(
        self, subscription: PartnerSubscription, recorder: Recorder, lease: Lease
    ) -> None:
        if subscription.status == "requested":
            if not await self._handshake(subscription):
                return
            async with self.fhir.operation(self.worker) as tx:
                reloaded = await tx.repository(SubscriptionRows).get(subscription.id)
            if reloaded is None:
                return
            subscription = reloaded
        if subscription.status != "active":
            return
        sent_any, began = False, time.monotonic()
        while True:
            self.poked.clear()
            subscription, outcome = await self._backlog(subscription, recorder, lease)
            if outcome == "failed":
                return
            sent_any = sent_any or outcome == "sent"
            if not await self._more(began):
                break
        if not sent_any:
            await self._heartbeat(subscription)

    async def _more(self, began: float) -> bool:
        """Keep the lease a moment for what comes next (the consumer pokes the round
        when it records more), so a busy subscription is not leased per event."""
        if self.linger_s <= 0 or time.monotonic() - began > ROUND_S:
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.poked.wait(), self.linger_s)
        return self.poked.is_set()

    async def _backlog(
        self, subscription: PartnerSubscription, recorder: Recorder, lease: Lease
    ) -> tuple[PartnerSubscription, str]:
        """Send what is pending, batch by batch, until none is left, one fails or the
        lease is lost: `sent` if anything was delivered, `failed`, else `idle`."""
        outcome = "idle"
        for _ in range(MAX_CLAIMS):
            claimed = await recorder.claim(subscription, CLAIM, lease)
            if not claimed:
                break
            shipments, failure = await self._ship(subscription, claimed, lease)
            await recorder.delivered(subscription, shipments)
            if shipments:  # the partner took something: a failure now is a first one
                outcome, subscription = "sent", replace(subscription, failures=0)
            if failure is not None:  # a failure is the only answer that changes the subscription
                await recorder.failed(subscription, failure)
                return subscription, "failed"
            sent = sum(len(s.notes) for s in shipments)
            if sent == len(claimed) < CLAIM:
                break  # the queue is empty (newer events poke the round, or start the next)
        return subscription, outcome

    async def _ship(
        self, subscription: PartnerSubscription, claimed: list[Notification], lease: Lease
    ) -> tuple[list[Shipment], Shipment | None]:
        """Send the claimed notifications in order while the lease allows; the first
        failure ends it."""
        shipments: list[Shipment] = []
        for notes in bundles(claimed, subscription.max_count):
            if not lease.allows(subscription.timeout_s):
                break  # the rest waits for the next claim, which renews the lease
            shipment = await self._send(subscription, notes)
            if not shipment.sent.delivered:
                return shipments, shipment
            shipments.append(shipment)
        return shipments, None

    def _header(self, subscription: PartnerSubscription, kind: str, count: int) -> StatusHeader:
        return StatusHeader(
            subscription_url(self.context, subscription.id),
            subscription.topic,
            "requested" if kind == "handshake" else "active",
            kind,
            count,
        )

    async def _post(self, subscription: PartnerSubscription, webhook_id: str, body: bytes) -> Sent:
        environment = self.context.settings.environment
        async with self.gate:
            now = self.context.clock()
            return await post_signed(self.hook, subscription, webhook_id, body, now, environment)

    def _bundle(
        self,
        subscription: PartnerSubscription,
        kind: str,
        events: list[NotificationEvent],
        resources: dict[str, JsonObject] | None = None,
    ) -> bytes:
        header = self._header(subscription, kind, subscription.events_since_start)
        now, payload = self.context.clock(), subscription.payload
        return orjson.dumps(notification_bundle(header, events, payload, now, resources))

    async def _handshake(self, subscription: PartnerSubscription) -> bool:
        webhook_id = f"msg_{subscription.id}_handshake_{int(self.context.clock().timestamp())}"
        sent = await self._post(
            subscription, webhook_id, self._bundle(subscription, "handshake", [])
        )
        return await Recorder(self.fhir, self.context, self.worker).handshake(
            subscription, webhook_id, sent
        )

    async def _heartbeat(self, subscription: PartnerSubscription) -> None:
        now = self.context.clock()
        if subscription.heartbeat_s is None:
            return
        last = subscription.last_sent_at or subscription.created_at
        if last + timedelta(seconds=subscription.heartbeat_s) > now:
            return
        webhook_id = f"msg_{subscription.id}_heartbeat_{int(now.timestamp())}"
        sent = await self._post(
            subscription, webhook_id, self._bundle(subscription, "heartbeat", [])
        )
        await Recorder(self.fhir, self.context, self.worker).heartbeat(
            subscription, webhook_id, sent
        )

    async def _send(
        self, subscription: PartnerSubscription, notes: Sequence[Notification]
    ) -> Shipment:
        events = [NotificationEvent(n.event_number, n.occurred_at, n.focus) for n in notes]
        resources = None
        if subscription.payload == "full-resource":
            resources = await read_focuses(self.reads, self.context, (n.focus for n in notes))
        body = self._bundle(subscription, "event-notification", events, resources)
        webhook_id = webhook_id_of(subscription.id, [n.event_number for n in notes])
        sent = await self._post(subscription, webhook_id, body)
        return Shipment(tuple(notes), webhook_id, sent)


def bundles(claimed: list[Notification], max_count: int) -> Iterator[list[Notification]]:
    """Up to `max_count` events per notification, in number order; those that failed
    together before (attempts counted) go again together, under the same `webhook-id`."""
    retried = 0
    while retried < min(len(claimed), max_count) and claimed[retried].attempts > 0:
        retried += 1
    if retried:
        yield claimed[:retried]
    for start in range(retried, len(claimed), max_count):
        yield claimed[start : start + max_count]


def webhook_id_of(subscription_id: str, numbers: Sequence[int]) -> str:
    """Stable across retries and replays: the partner's idempotency key (the event
    numbers inside are one too, for a batch regrouped after a crash)."""
    if len(numbers) == 1:
        return f"msg_{subscription_id}_{numbers[0]}"
    return f"msg_{subscription_id}_{numbers[0]}-{numbers[-1]}"
