"""Keeping the topic catalogue published and old notifications forgotten.

The catalogue is code (`domain.topics`); its `Basic` resources are written (only when
they differ) when the API starts and hourly by the worker, so clients can read and
search it like any resource. Settled
notifications and attempts older than the retention (at least 30 days, for `$events`)
are removed; pending ones are kept whatever their age.
"""

from __future__ import annotations

from datetime import timedelta

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.logging import get_logger
from carecoord_shared.security.principal import Principal, system_principal
from portal.domain.topics import CATALOGUE
from portal.fhir.topics import topic_resource
from portal.service.context import PortalContext
from portal.store.delivery import Deliveries

__all__ = ["forget_old_notifications", "publish_topics", "publish_topics_at_startup"]

log = get_logger(__name__)


def _same(stored: dict[str, object], wanted: dict[str, object]) -> bool:
    return {k: v for k, v in stored.items() if k != "meta"} == wanted


async def publish_topics(fhir: FhirInteractions, worker: Principal) -> int:
    """Write each topic's Basic resource where it is missing or out of date."""
    changed = 0
    async with fhir.operation(worker) as tx:
        for topic in CATALOGUE:
            wanted = topic_resource(topic)
            try:
                current = (await tx.read("Basic", topic.slug)).as_json()
            except FhirError:
                current = {}
            if not _same(current, wanted):
                await tx.update("Basic", topic.slug, dict(wanted), if_match=None)
                changed += 1
    return changed


async def publish_topics_at_startup(fhir: FhirInteractions, _context: object) -> None:
    """The API's start-up step: the catalogue is readable before any worker has run. An
    instance starting at the same moment may win a write; the worker's hourly job (and
    the next start) publish again."""
    try:
        await publish_topics(fhir, system_principal("portal"))
    except FhirError as error:
        log.warning("subscription.topics_not_published", status=error.status)


async def forget_old_notifications(
    fhir: FhirInteractions, worker: Principal, context: PortalContext
) -> int:
    days = context.settings.notification_retention_days
    async with fhir.operation(worker) as tx:
        return await tx.repository(Deliveries).purge(context.clock() - timedelta(days=days))
