"""What the care plans service does with other services' events.

Referral events keep `referral_activity` current; `triaged` and the MDT's events
change the patient's plan (see `service.reactions`). Each handler runs in the
consumer's transaction beside the inbox record, so a redelivered event is skipped;
the version guard also keeps an older version from overwriting a newer one if the
producer ever re-sends out of order after a crash. Consumers read tolerantly: an
event without the fields a reaction needs changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from care_plans.service import reactions
from care_plans.service.register import restratify
from care_plans.store.tables import referral_activity
from carecoord_shared.events import Event, Handler, SchemaCatalogue
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.worker import Subscription

REFERRAL_EVENTS = (
    "carecoord.referral.submitted.v1",
    "carecoord.referral.revised.v1",
    "carecoord.referral.withdrawn.v1",
)
TRIAGED = "carecoord.referral.triaged.v1"
MDT_ACTION = "carecoord.mdt.action-assigned.v1"
MDT_OUTCOME = "carecoord.mdt.outcome-recorded.v1"


async def project_referral(conn: AsyncConnection, event: Event) -> None:
    data = event.data
    values = {
        "service_request": str(data["serviceRequest"]),
        "nhs_number": data.get("nhsNumber"),
        "ubrn": data.get("ubrn"),
        "status": "revoked" if event.type.endswith("withdrawn.v1") else data.get("status"),
        "category": ",".join(data.get("category") or []),
        "priority": data.get("priority"),
        "requester": data.get("requester"),
        "version_id": int(data["versionId"]),
        "last_event_type": event.type,
        "updated_at": event.time,
    }
    statement = insert(referral_activity).values(**values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[referral_activity.c.service_request],
            set_={k: statement.excluded[k] for k in values if k != "service_request"},
            where=referral_activity.c.version_id < statement.excluded.version_id,
        )
    )


Reaction = Callable[[FhirTransaction, Event], Awaitable[None]]


def _as_worker(registry: FhirRegistry, reaction: Reaction) -> Handler:
    async def handle(conn: AsyncConnection, event: Event) -> None:
        await reaction(FhirTransaction(conn, registry, reactions.WORKER), event)

    return handle


def _handlers(registry: FhirRegistry, topic: str) -> dict[str, Handler]:
    async def projected(conn: AsyncConnection, event: Event) -> None:
        await project_referral(conn, event)
        if isinstance(event.data.get("nhsNumber"), str):
            await restratify(conn, event.data["nhsNumber"], topic)

    async def triaged(tx: FhirTransaction, event: Event) -> None:
        task = reactions.triage_activity(event.data)
        if task is not None:
            await reactions.add_activity(tx, event.data["nhsNumber"], task, event.type, topic)

    async def action(tx: FhirTransaction, event: Event) -> None:
        task = reactions.mdt_action_activity(event.data)
        if task is not None:
            await reactions.add_activity(tx, event.data["nhsNumber"], task, event.type, topic)

    async def outcome(tx: FhirTransaction, event: Event) -> None:
        data = event.data
        discussed = data.get("status") == "discussed" and data.get("planReviewed") is True
        if discussed and isinstance(data.get("nhsNumber"), str):
            await reactions.record_review(tx, data["nhsNumber"], event.time.isoformat())

    return {
        **dict.fromkeys(REFERRAL_EVENTS, projected),
        TRIAGED: _as_worker(registry, triaged),
        MDT_ACTION: _as_worker(registry, action),
        MDT_OUTCOME: _as_worker(registry, outcome),
    }


def referral_subscription(
    topics: tuple[str, ...],
    registry: FhirRegistry,
    publish_topic: str,
    schemas: SchemaCatalogue | None = None,
) -> Subscription:
    """One consumer for the referrals and MDT topics (per-patient effects on one plan)."""
    return Subscription("referrals", topics, _handlers(registry, publish_topic), schemas)
