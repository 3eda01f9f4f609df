"""What each attempt changes: the log, the queue, the status, the audit trail, metrics.

Each answer from a partner is written in one unit of work: the attempt in the delivery
log (when, status, latency, next attempt), the notification settled or its retry
scheduled, the subscription's status when the answer changes it, and for a delivered
notification an AuditEvent naming the partner as the recipient of that patient's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.security.principal import Principal
from portal.domain.subscriptions import Attempt, Notification, PartnerSubscription
from portal.domain.webhooks import next_delay
from portal.service.context import PortalContext
from portal.service.delivery_http import Sent
from portal.service.delivery_metrics import observe_queue, observe_sent
from portal.service.subscription_lifecycle import change_status, report_exhausted
from portal.service.subscription_sharing import Sharing
from portal.store.delivery import Deliveries
from portal.store.subscriptions import SubscriptionRows

__all__ = ["Recorder"]


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

    async def head(
        self, sub: PartnerSubscription, shared: dict[str | None, bool]
    ) -> Notification | None:
        """The lowest pending notification, with agreement and consent checked again at
        send time (once per patient per round, in `shared`); a refused one is withheld."""
        async with self.fhir.operation(self.worker) as tx:
            head = await tx.repository(Deliveries).head(sub.id)
            if head is None:
                return None
            if head.patient_nhs not in shared:
                allowed = await Sharing(tx, head.patient_nhs).allows(sub.agreement)
                shared[head.patient_nhs] = allowed
            if not shared[head.patient_nhs]:
                await tx.repository(Deliveries).settle(sub.id, head.event_number, "withheld")
            return head

    async def notification(
        self, sub: PartnerSubscription, head: Notification, webhook_id: str, sent: Sent
    ) -> bool:
        now = self.context.clock()
        observe_sent(sub.id, sent.delivered)
        if sent.delivered:
            async with self.fhir.operation(_recipient(sub)) as tx:
                deliveries = tx.repository(Deliveries)
                await deliveries.log(
                    self._attempt(
                        sub, webhook_id, "event-notification", head.event_number, sent, None
                    )
                )
                await deliveries.settle(sub.id, head.event_number, "delivered", now)
                await tx.repository(SubscriptionRows).set(
                    sub.id, failures=0, next_attempt_at=None, last_sent_at=now
                )
                patients = [head.patient_nhs] if head.patient_nhs else []
                await tx.record_access(
                    "E",
                    f"Subscription/{sub.id}/$notify#{head.event_number}",
                    patients,
                    purpose="partner-subscription",
                )
            return True
        await self._failed(sub, head, webhook_id, sent, now)
        return False

    async def _failed(
        self,
        sub: PartnerSubscription,
        head: Notification,
        webhook_id: str,
        sent: Sent,
        now: datetime,
    ) -> None:
        failures = sub.failures + 1
        scheduled = next_delay(failures).wait  # Retry-After moves a try, never adds one
        wait = scheduled if scheduled is None or sent.retry_after is None else sent.retry_after
        next_at = None if wait is None or sent.outcome == "gone" else now + wait
        async with self.fhir.operation(self.worker) as tx:
            deliveries = tx.repository(Deliveries)
            await deliveries.log(
                self._attempt(
                    sub, webhook_id, "event-notification", head.event_number, sent, next_at
                )
            )
            await deliveries.failed(sub.id, head.event_number)
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

    async def observe(self, subscription_id: str) -> None:
        async with self.fhir.operation(self.worker) as tx:
            sub = await tx.repository(SubscriptionRows).get(subscription_id)
            if sub is None:
                return
            figures = await tx.repository(Deliveries).figures(subscription_id)
        observe_queue(
            subscription_id,
            figures["pending"],
            figures["oldest"],
            sub.failures,
            self.context.clock(),
        )
