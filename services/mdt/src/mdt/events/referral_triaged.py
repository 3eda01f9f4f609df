"""`carecoord.referral.triaged.v1`: a triage decision about the patient's referral.

The `triage-requested-mdt` rule lists the patient when the triage clinician asked for
MDT discussion (`mdtDiscussionRequested`).
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from mdt.domain import rules
from mdt.service.auto_listing import list_by_rule
from mdt.service.context import MdtContext
from mdt.service.inbound import patient_of


async def handle(tx: FhirTransaction, event: Event, context: MdtContext) -> None:
    match = rules.triage_requested(event.data)
    await list_by_rule(tx, context, event, patient_of(event), match)


CONSUMER = Consumer(
    "carecoord.referral.triaged.v1", lambda s: s.referrals_topic, handle, "referrals"
)
