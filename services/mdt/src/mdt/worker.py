"""The mdt worker: publishes the outbox, applies other services' events, escalates.

The kernel's `Worker` runs the outbox relay, the consumers and this service's
periodic job that escalates overdue actions (the issue's "overdue actions
escalate"), in the same process and stopped by the same signal.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.logging import get_logger
from carecoord_shared.worker import PeriodicJob, Worker, run_worker
from mdt.api.resources import build_registry
from mdt.events.incoming import subscriptions
from mdt.service.outcomes import escalate_overdue
from mdt.service.transaction import RULES_PRINCIPAL, service_transaction
from mdt.settings import MdtSettings
from mdt.store.tables import MIGRATIONS

log = get_logger(__name__)


async def escalate_once(engine: AsyncEngine, registry: FhirRegistry, topic: str) -> int:
    """One pass of the escalation job (also what tests and operators call)."""
    async with engine.begin() as conn:
        tx = service_transaction(conn, registry, RULES_PRINCIPAL)
        return await escalate_overdue(tx, topic, datetime.now(UTC).date())


def build_worker(settings: MdtSettings) -> Worker:
    registry = build_registry()

    async def escalate(engine: AsyncEngine) -> None:
        escalated = await escalate_once(engine, registry, settings.topic)
        if escalated:
            log.info("mdt.actions_escalated", count=escalated)

    return Worker(
        settings,
        settings.topic,
        subscriptions(settings, registry),
        MIGRATIONS,
        jobs=[PeriodicJob("escalate-overdue", settings.overdue_check_seconds, escalate)],
    )


def cli() -> None:
    run_worker(build_worker(MdtSettings()))
