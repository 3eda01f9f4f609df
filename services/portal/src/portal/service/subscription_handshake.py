"""A partner's own test of its endpoint: one signed handshake sent now, on demand.

`Subscription/{id}/$handshake` sends the partner's endpoint a handshake notification
signed like every delivery (same secrets, same SSRF rules, the subscription's timeout)
and answers what the endpoint did: outcome, HTTP status, latency. It changes nothing
about the subscription (re-activating is `$resume`); the attempt is written in the
delivery log (`$deliveries`, kind `test-handshake`).
"""

from __future__ import annotations

import orjson

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.security.principal import Principal
from portal.domain.subscriptions import Attempt
from portal.fhir.notifications import StatusHeader, notification_bundle
from portal.service.context import PortalContext
from portal.service.delivery import subscription_url
from portal.service.delivery_http import Sent, partner_pool, post_signed
from portal.service.subscription_views import owned
from portal.store.delivery import Deliveries

__all__ = ["handshake_now"]


async def handshake_now(
    fhir: FhirInteractions, partner: Principal, context: PortalContext, subscription_id: str
) -> tuple[str, Sent]:
    """Send one handshake now: its `webhook-id` and what the endpoint answered."""
    async with fhir.reads(partner) as tx:
        row = await owned(tx, subscription_id)
    now = context.clock()
    url = subscription_url(context, row.id)
    header = StatusHeader(url, row.topic, row.status, "handshake", row.events_since_start)
    body = orjson.dumps(notification_bundle(header, [], "empty", now))
    webhook_id = f"msg_{row.id}_test_{int(now.timestamp() * 1000)}"
    async with partner_pool(1) as pool:
        sent = await post_signed(pool, row, webhook_id, body, now, context.settings.environment)
    attempt = Attempt(
        row.id,
        webhook_id,
        "test-handshake",
        None,
        now,
        sent.status_code,
        sent.outcome,
        sent.latency_ms,
        None,
    )
    async with fhir.operation(partner) as tx:
        await tx.repository(Deliveries).log(attempt)
    return webhook_id, sent
