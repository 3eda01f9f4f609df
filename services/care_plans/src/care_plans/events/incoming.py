"""What the care plans service does with other services' events.

Referral events keep `referral_activity` current. Each handler runs in the
consumer's transaction beside the inbox record, so a redelivered event is skipped;
the version guard also keeps an older version from overwriting a newer one if the
producer ever re-sends out of order after a crash.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from care_plans.store.tables import referral_activity
from carecoord_shared.events import Event, SchemaCatalogue
from carecoord_shared.worker import Subscription

REFERRAL_EVENTS = (
    "carecoord.referral.submitted.v1",
    "carecoord.referral.revised.v1",
    "carecoord.referral.withdrawn.v1",
)


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


def referral_subscription(topic: str, schemas: SchemaCatalogue | None = None) -> Subscription:
    return Subscription(
        "referrals",
        (topic,),
        dict.fromkeys(REFERRAL_EVENTS, project_referral),
        schemas,
    )
