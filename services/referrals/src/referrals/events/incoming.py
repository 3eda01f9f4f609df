"""What the referrals service does with other services' events.

Registrations from the care plans register become this service's own record of
which practice may see which patient (the "same registered practice" relationship),
so a GP can refer and follow their own patients and no one else's. Co-ordinator
assignments and care plan revisions become the projections the paramedic summary
reads, so it still answers when care_plans is down. Handlers run in the consumer's
transaction beside the inbox record: a redelivery changes nothing.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.events import Event
from carecoord_shared.security import access
from carecoord_shared.worker import Subscription
from referrals.store import projections

PATIENT_REGISTERED = "carecoord.patient.registered.v1"
COORDINATOR_ASSIGNED = "carecoord.coordinator.assigned.v1"
COORDINATOR_ENDED = "carecoord.coordinator.ended.v1"
CAREPLAN_REVISED = "carecoord.careplan.revised.v1"


async def apply_registration(conn: AsyncConnection, event: Event) -> None:
    nhs_number = str(event.data["nhsNumber"])
    previous = event.data.get("previousPractice")
    practice = event.data.get("practice")
    if previous and previous != practice:
        await access.end_grant(
            conn, nhs_number, "organisation", str(previous), "registered-practice"
        )
    if practice:
        await access.grant(conn, nhs_number, "organisation", str(practice), "registered-practice")


async def apply_coordinator_assigned(conn: AsyncConnection, event: Event) -> None:
    data = event.data
    period = data.get("period") or {}
    await projections.assign_coordinator(
        conn,
        {
            "nhs_number": str(data["nhsNumber"]),
            "care_team": str(data.get("careTeam") or ""),
            "kind": str(data.get("kind") or "named-care-coordinator"),
            "coordinator": data.get("coordinator") or {},
            "cover": bool(data.get("cover")),
            "period_start": period.get("start"),
            "period_end": period.get("end"),
            "updated_at": event.time,
        },
    )


async def apply_coordinator_ended(conn: AsyncConnection, event: Event) -> None:
    data = event.data
    await projections.end_coordinator(
        conn,
        str(data["nhsNumber"]),
        str(data.get("careTeam") or ""),
        str(data.get("kind") or "named-care-coordinator"),
        event.time,
    )


async def apply_care_plan_revised(conn: AsyncConnection, event: Event) -> None:
    data = event.data
    await projections.revise_care_plan(
        conn,
        {
            "care_plan": str(data["carePlan"]),
            "nhs_number": str(data["nhsNumber"]),
            "version_id": int(data.get("versionId") or 1),
            "status": data.get("status"),
            "title": data.get("title"),
            "description": data.get("description"),
            "next_review_due": data.get("nextReviewDue"),
            "end_of_life": data.get("endOfLife"),
            "updated_at": event.time,
        },
    )


def care_plans_subscription(topic: str) -> Subscription:
    """One consumer of care_plans' topic for everything referrals keeps from it."""
    return Subscription(
        "registrations",
        (topic,),
        {
            PATIENT_REGISTERED: apply_registration,
            COORDINATOR_ASSIGNED: apply_coordinator_assigned,
            COORDINATOR_ENDED: apply_coordinator_ended,
            CAREPLAN_REVISED: apply_care_plan_revised,
        },
    )
