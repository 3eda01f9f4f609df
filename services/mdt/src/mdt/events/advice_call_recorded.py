"""`carecoord.advice-call.recorded.v1`: an advice-line call about the patient.

Kept as recent activity; the `conveyance-avoided-follow-up` rule lists a patient not
conveyed who needs follow-up (soon), with the MDT of their practice or, when their
practice is not known here, of the call's locality.
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from mdt.domain import rules
from mdt.service.auto_listing import list_by_rule
from mdt.service.context import MdtContext
from mdt.service.inbound import patient_of, text
from mdt.store.patients import Patients


async def handle(tx: FhirTransaction, event: Event, context: MdtContext) -> None:
    nhs, data = patient_of(event), event.data
    reference = str(data.get("communication") or event.subject)
    await tx.repository(Patients).record_activity(reference, nhs, "advice-call", event.time)
    match = rules.conveyance_avoided(data)
    await list_by_rule(tx, context, event, nhs, match, text(data.get("locality")))


CONSUMER = Consumer(
    "carecoord.advice-call.recorded.v1", lambda s: s.referrals_topic, handle, "referrals"
)
