"""What the referrals service does with other services' events.

Registrations from the care plans register become this service's own record of
which practice may see which patient (the "same registered practice" relationship),
so a GP can refer and follow their own patients and no one else's. Handlers run in
the consumer's transaction beside the inbox record: a redelivery changes nothing.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.events import Event
from carecoord_shared.security import access
from carecoord_shared.worker import Subscription

PATIENT_REGISTERED = "carecoord.patient.registered.v1"


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


def registration_subscription(topic: str) -> Subscription:
    return Subscription("registrations", (topic,), {PATIENT_REGISTERED: apply_registration})
