"""Status changes the server makes, visible in the Subscription the partner reads.

Activation after a handshake, `error` with its reason (a refused handshake, a retry
schedule exhausted), `off` on 410 Gone, and re-activation by `$resume`. The stored
resource and the delivery row change in one unit of work. When deliveries are
exhausted the partner's admin is told twice over: a Task to act on and a
`carecoord.portal.subscription-errored.v1` event on the portal's topic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carecoord_shared.events import new_event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from portal.domain.subscriptions import PartnerSubscription
from portal.fhir.subscription_shape import with_status
from portal.store.subscriptions import SubscriptionRows

__all__ = ["ERRORED", "change_status", "report_exhausted"]

ERRORED = "carecoord.portal.subscription-errored.v1"


async def change_status(
    tx: FhirTransaction, subscription_id: str, status: str, error: str | None, **row: Any
) -> None:
    """Set the status (and reason) in the stored resource and the delivery row."""
    with tx.as_service():
        current = await tx.read("Subscription", subscription_id)
        body = current.as_json()
        if body.get("status") != status or body.get("error") != error:
            await tx.update(
                "Subscription", subscription_id, with_status(body, status, error), if_match=None
            )
    await tx.repository(SubscriptionRows).set(subscription_id, status=status, error=error, **row)


def _task(subscription: PartnerSubscription, reason: str, now: datetime) -> dict[str, Any]:
    owner = subscription.contact or subscription.partner
    return {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": "urgent",
        "code": {"text": "Partner subscription deliveries exhausted"},
        "description": f"Deliveries to the partner endpoint failed until the retry schedule "
        f"ran out ({reason}). Fix the endpoint, then call $resume to replay the backlog.",
        "focus": {"reference": f"Subscription/{subscription.id}"},
        "owner": {"display": owner[:200]},
        "authoredOn": now.isoformat(),
    }


async def report_exhausted(
    tx: FhirTransaction, subscription: PartnerSubscription, reason: str, now: datetime
) -> None:
    """`error`, and the partner's admin told by a Task and an event."""
    text = f"Deliveries exhausted the retry schedule: {reason}"
    await change_status(tx, subscription.id, "error", text, next_attempt_at=None)
    with tx.as_service():
        task, _ = await tx.create("Task", _task(subscription, reason, now))
    await tx.outbox.add(
        new_event(
            ERRORED,
            source=tx.registry.event_source,
            subject=f"Subscription/{subscription.id}",
            data={
                "subscription": f"Subscription/{subscription.id}",
                "partner": subscription.partner,
                "contact": subscription.contact,
                "task": task.reference,
                "reason": reason,
            },
        )
    )
