"""What each attempt changes: the log, the queue, the status, the audit trail, metrics.

A round claims a batch of pending notifications in one unit of work (agreement and
consent checked again, refused ones withheld), and writes what the partner took in one
more, set-based: every attempt in the delivery log (when, status, latency, next
attempt), the notifications settled, and per delivery an AuditEvent naming the partner
as the recipient of those patients' data. A failure is written on its own: its retry
scheduled, the subscription's status when the answer changes it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.security.principal import Principal
from portal.domain.subscriptions import Attempt, Notification, PartnerSubscription, shares
from portal.domain.webhooks import next_delay
from portal.service.context import PortalContext
from portal.service.delivery_http import Sent
from portal.service.delivery_metrics import observe_queue, observe_sent
from portal.service.subscription_lifecycle import change_status, report_exhausted
from portal.store.delivery import Deliveries
from portal.store.subscriptions import SubscriptionRows

__all__ = ["Lease", "Recorder", "Shipment"]


def _recipient(subscription: PartnerSubscription) -> Principal:
    """The partner, as the audit trail names who received a patient's data."""
    return Principal(
        subject=subscription.partner,
        kind="system",
        role="system",
        organisation=None,
        nhs_number=None,
        scopes=frozenset(),
        agreement=frozenset(subscription.agreement),
    )


def _why(sent: Sent) -> str:
    if sent.status_code is not None:
        return f"the endpoint answered HTTP {sent.status_code}"
    return {
        "timeout": "the endpoint did not answer in time",
        "refused": "the endpoint's address may not be called from here",
    }.get(sent.outcome, "the endpoint could not be reached")


@dataclass(slots=True)
class Lease:
    """A round's hold on its subscription: `until` (also the token a renewal checks, so
    a round whose lease lapsed and was taken never sends again) and, in real time, when
    it was last renewed; a send starts only if it ends before the lease could lapse."""

    subscription_id: str
    until: datetime
    length: timedelta
    renewed: float = field(default_factory=time.monotonic)

    def allows(self, timeout_s: float) -> bool:
        return time.monotonic() - self.renewed + timeout_s < self.length.total_seconds()

    async def renew(self, rows: SubscriptionRows, now: datetime, timeout_s: float) -> bool:
        """Extend the lease unless it was taken a moment ago or still has time for a send
        of `timeout_s` and half its length to spare (nobody else can take it before it
        lapses, so a busy round renews every half lease, not at every claim): False if
        someone else holds it now."""
        length = self.length.total_seconds()
        if time.monotonic() - self.renewed < min(1.0, length / 4) or self.allows(
            timeout_s + length / 2
        ):
            return True
        until = now + self.length
        if not await rows.renew(self.subscription_id, self.until, until):
            return False
        self.until, self.renewed = until, time.monotonic()
        return True


@dataclass(frozen=True, slots=True)
class Shipment:
    """One notification Bundle sent: the events it carried, its id, the answer."""

    notes: tuple[Notification, ...]
    webhook_id: str
    sent: Sent

    @property
    def numbers(self) -> list[int]:
        return [n.event_number for n in self.notes]


@dataclass(slots=True)
class Recorder:
    fhir: FhirInteractions
    context: PortalContext
    worker: Principal

    def _attempt(
        self,
        sub: PartnerSubscription,
        webhook_id: str,
        kind: str,
        number: int | None,
        sent: Sent,
        next_at: datetime | None,
    ) -> Attempt:
        return Attempt(
            sub.id,
            webhook_id,
            kind,
            number,
            self.context.clock(),
            sent.status_code,
            sent.outcome,
            sent.latency_ms,
            next_at,
        )

    async def handshake(self, sub: PartnerSubscription, webhook_id: str, sent: Sent) -> bool:
        async with self.fhir.operation(self.worker) as tx:
            await tx.repository(Deliveries).log(
                self._attempt(sub, webhook_id, "handshake", None, sent, None)
            )
            if sent.delivered:
                await change_status(
                    tx, sub.id, "active", None, failures=0, last_sent_at=self.context.clock()
                )
            else:
                reason = f"The handshake was refused: {_why(sent)}"
                await change_status(tx, sub.id, "error", reason)
        return sent.delivered

    async def heartbeat(self, sub: PartnerSubscription, webhook_id: str, sent: Sent) -> None:
        async with self.fhir.operation(self.worker) as tx:
            await tx.repository(Deliveries).log(
                self._attempt(sub, webhook_id, "heartbeat", None, sent, None)
            )
            if sent.delivered:
                await tx.repository(SubscriptionRows).set(sub.id, last_sent_at=self.context.clock())
            elif sent.outcome == "gone":
                await change_status(tx, sub.id, "off", "The endpoint answered 410 Gone")
        observe_sent(sub.id, sent.delivered)

    async def claim(
        self, sub: PartnerSubscription, limit: int, lease: Lease
    ) -> list[Notification] | None:
        """The lowest pending notifications, with agreement and consent checked again at
        send time (each patient's practice and Consents read with them: a practice that
        left the agreement, or a Consent withheld meanwhile, stops what is queued); the
        refused ones are withheld, set-based. The lease is renewed in the same unit of
        work (None: it was lost, send nothing)."""
        async with self.fhir.operation(self.worker) as tx:
            rows, now = tx.repository(SubscriptionRows), self.context.clock()
            if not await lease.renew(rows, now, sub.timeout_s):
                return None
            deliveries, covered = tx.repository(Deliveries), frozenset(sub.agreement)
            batch = [
                (n, shares(covered, *sharing))
                for n, sharing in await deliveries.claim(sub.id, limit)
            ]
            refused = [n.event_number for n, allowed in batch if not allowed]
            await deliveries.settle(sub.id, refused, "withheld")
        return [n for n, allowed in batch if allowed]

    async def delivered(self, sub: PartnerSubscription, shipments: Sequence[Shipment]) -> None:
        """Every notification the partner took in this round, in one unit of work: the
        attempts logged, the notifications settled, one AuditEvent per delivery."""
        if not shipments:
            return
        now = self.context.clock()
        async with self.fhir.operation(_recipient(sub)) as tx:  # the audit names the partner
            logged = [self._shipped(sub, s, None) for s in shipments]
            numbers = [n for s in shipments for n in s.numbers]
            await tx.repository(Deliveries).delivered(sub.id, logged, numbers, now)
            for shipment in shipments:  # written together when the unit of work ends
                observe_sent(sub.id, True)
                patients = [n.patient_nhs for n in shipment.notes if n.patient_nhs]
                await tx.record_access(
                    "E",
                    f"Subscription/{sub.id}/$notify#{shipment.numbers[0]}",
                    list(dict.fromkeys(patients)),
                    purpose="partner-subscription",
                )

    def _shipped(
        self, sub: PartnerSubscription, shipment: Shipment, next_at: datetime | None
    ) -> Attempt:
        first = shipment.numbers[0]
        return self._attempt(
            sub, shipment.webhook_id, "event-notification", first, shipment.sent, next_at
        )

    async def failed(self, sub: PartnerSubscription, shipment: Shipment) -> None:
        """The head notification(s) failed: retried together on the schedule (or at
        `Retry-After`), the subscription `off` on 410, `error` once exhausted."""
        now = self.context.clock()
        sent = shipment.sent
        observe_sent(sub.id, False)
        failures = sub.failures + 1
        scheduled = next_delay(failures).wait  # Retry-After moves a try, never adds one
        wait = scheduled if scheduled is None or sent.retry_after is None else sent.retry_after
        next_at = None if wait is None or sent.outcome == "gone" else now + wait
        async with self.fhir.operation(self.worker) as tx:
            deliveries = tx.repository(Deliveries)
            await deliveries.log(self._shipped(sub, shipment, next_at))
            await deliveries.failed(sub.id, shipment.numbers)
            if sent.outcome == "gone":
                await change_status(
                    tx,
                    sub.id,
                    "off",
                    "The endpoint answered 410 Gone",
                    next_attempt_at=None,
                    failures=0,
                )
            elif next_at is None:
                await report_exhausted(tx, sub, _why(sent), now)
            else:
                await tx.repository(SubscriptionRows).set(
                    sub.id, failures=failures, next_attempt_at=next_at
                )

    async def release(self, subscription_id: str) -> None:
        """The round is over: the lease given back and the queue's figures observed (one
        statement)."""
        async with self.fhir.operation(self.worker) as tx:
            found = await tx.repository(SubscriptionRows).release(subscription_id)
        if found is not None:
            failures, pending, oldest = found
            observe_queue(subscription_id, pending, oldest, failures, self.context.clock())
