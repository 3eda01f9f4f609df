"""`referral.triaged`: advice given or a referral accepted becomes an activity on the
patient's active comprehensive plan (`fhir.activities`), once per fact however often
it is delivered; other outcomes change nothing here."""

from __future__ import annotations

from care_plans.domain.event_types import REFERRAL_TRIAGED
from care_plans.events import GROUP, referrals_topic
from care_plans.fhir.activities import triage_activity
from care_plans.service.context import CarePlansContext
from care_plans.service.reactions import add_activity
from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer


async def handle(tx: FhirTransaction, event: Event, context: CarePlansContext) -> None:
    task = triage_activity(event.data)
    if task is not None:
        add_activity(tx, str(event.data["nhsNumber"]), task, event.type, context.now())


CONSUMER = Consumer(REFERRAL_TRIAGED, referrals_topic, handle, GROUP)
