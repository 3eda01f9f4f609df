"""`carecoord.referral.submitted.v1`: a referral or an A&G request about the patient.

Kept as recent activity (attached to the patient's case when it is prepared); the
`repeated-advice-requests` rule lists a patient with `MDT_REPEAT_ADVICE_REQUESTS` A&G
requests within `MDT_REPEAT_ADVICE_WINDOW_DAYS`.
"""

from __future__ import annotations

from datetime import timedelta

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from mdt.domain import rules
from mdt.service.auto_listing import list_by_rule
from mdt.service.context import MdtContext
from mdt.service.inbound import patient_of
from mdt.store.patients import Patients

ADVICE = "advice-and-guidance"


async def handle(tx: FhirTransaction, event: Event, context: MdtContext) -> None:
    nhs, data = patient_of(event), event.data
    advice = rules.is_advice_request(data)
    reference = str(data.get("serviceRequest") or event.subject)
    patients = tx.repository(Patients)
    await patients.record_activity(reference, nhs, ADVICE if advice else "referral", event.time)
    if not advice:
        return
    window = context.settings.repeat_advice_window_days
    since = event.time - timedelta(days=window)
    count = len(await patients.recent_activity(nhs, since, ADVICE))
    match = rules.repeated_advice(count, context.settings.repeat_advice_requests, window)
    await list_by_rule(tx, context, event, nhs, match)


CONSUMER = Consumer(
    "carecoord.referral.submitted.v1", lambda s: s.referrals_topic, handle, "referrals"
)
