"""One round of delivery for one subscription: handshake, backlog in order, heartbeat.

The delivery loop gives each subscription with work a round of its own (a task, under
a lease), so a slow or failing endpoint only ever holds up itself. A round handshakes
a `requested` subscription (`active` on 2xx, else `error` with the reason), then sends
pending notifications strictly by event number (so each patient's events arrive in
order), re-checking agreement and consent just before each, and stops at the first
failure: the head is retried on the schedule (or at `Retry-After`), 410 turns the
subscription `off`, an exhausted schedule turns it `error` and tells the partner's
admin. An idle active subscription gets its heartbeat. No unit of work is held open
while waiting on a partner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
import orjson

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.security.principal import Principal
from portal.domain.subscriptions import Notification, PartnerSubscription
from portal.fhir.notifications import NotificationEvent, StatusHeader, notification_bundle
from portal.service.context import PortalContext
from portal.service.delivery_http import Sent, post_signed
from portal.service.delivery_record import Recorder
from portal.store.subscriptions import SubscriptionRows

__all__ = ["Round", "subscription_url"]

MAX_PER_ROUND = 200
LEASE = timedelta(minutes=5)


def subscription_url(context: PortalContext, subscription_id: str) -> str:
    return f"{context.settings.portal_fhir_base.rstrip('/')}/Subscription/{subscription_id}"


@dataclass(slots=True)
class Round:
    fhir: FhirInteractions
    context: PortalContext
    worker: Principal
    client: httpx.AsyncClient

    async def run(self, subscription_id: str) -> None:
        now = self.context.clock()
        async with self.fhir.operation(self.worker) as tx:
            if not await tx.repository(SubscriptionRows).lease(subscription_id, now, now + LEASE):
                return
        try:
            await self._work(subscription_id)
        finally:
            async with self.fhir.operation(self.worker) as tx:
                await tx.repository(SubscriptionRows).set(subscription_id, lease_until=None)
            await Recorder(self.fhir, self.context, self.worker).observe(subscription_id)

    async def _load(self, subscription_id: str) -> PartnerSubscription | None:
        async with self.fhir.operation(self.worker) as tx:
            return await tx.repository(SubscriptionRows).get(subscription_id)

    async def _work(self, subscription_id: str) -> None:
        subscription = await self._load(subscription_id)
        if subscription is None:
            return
        if subscription.status == "requested":
            if not await self._handshake(subscription):
                return
            subscription = await self._load(subscription_id)
            assert subscription is not None
        if subscription.status != "active":
            return
        sent_any = False
        shared: dict[str | None, bool] = {}
        for _ in range(MAX_PER_ROUND):
            head = await self._head(subscription, shared)
            if head is None:
                break
            if not await self._send(subscription, head):
                return  # a failure is the only answer that changes the subscription
            sent_any = True
        if not sent_any:
            await self._heartbeat(subscription)

    async def _head(
        self, subscription: PartnerSubscription, shared: dict[str | None, bool]
    ) -> Notification | None:
        """The next pending notification the partner may still receive (others withheld);
        `shared` remembers each patient's answer for the round."""
        recorder = Recorder(self.fhir, self.context, self.worker)
        while True:
            head = await recorder.head(subscription, shared)
            if head is not None and not shared[head.patient_nhs]:
                continue
            return head

    def _header(self, subscription: PartnerSubscription, kind: str, count: int) -> StatusHeader:
        return StatusHeader(
            subscription_url(self.context, subscription.id),
            subscription.topic,
            "requested" if kind == "handshake" else "active",
            kind,
            count,
        )

    async def _post(self, subscription: PartnerSubscription, webhook_id: str, body: bytes) -> Sent:
        now = self.context.clock()
        environment = self.context.settings.environment
        return await post_signed(self.client, subscription, webhook_id, body, now, environment)

    def _bundle(
        self, subscription: PartnerSubscription, kind: str, events: list[NotificationEvent]
    ) -> bytes:
        header = self._header(subscription, kind, subscription.events_since_start)
        bundle = notification_bundle(header, events, subscription.payload, self.context.clock())
        return orjson.dumps(bundle)

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

    async def _send(self, subscription: PartnerSubscription, head: Notification) -> bool:
        event = NotificationEvent(head.event_number, head.occurred_at, head.focus)
        body = self._bundle(subscription, "event-notification", [event])
        webhook_id = webhook_id_of(subscription.id, head.event_number)
        sent = await self._post(subscription, webhook_id, body)
        return await Recorder(self.fhir, self.context, self.worker).notification(
            subscription, head, webhook_id, sent
        )


def webhook_id_of(subscription_id: str, number: int) -> str:
    """Stable across retries and replays: the partner's idempotency key."""
    return f"msg_{subscription_id}_{number}"
