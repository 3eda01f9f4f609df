"""Which subscriptions have delivery work now (a handshake, due events, a heartbeat)."""

from __future__ import annotations

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.security.principal import Principal
from portal.service.context import PortalContext
from portal.store.subscriptions import SubscriptionRows

__all__ = ["subscriptions_with_work"]


async def subscriptions_with_work(
    fhir: FhirInteractions, worker: Principal, context: PortalContext
) -> list[str]:
    async with fhir.operation(worker) as tx:
        return await tx.repository(SubscriptionRows).needing_work(context.clock())
