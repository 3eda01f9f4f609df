"""`carecoord.patient.registered.v1`: the patient's registered practice.

The practice gets the `registered-practice` grant (the previous practice's ends), so
it sees the patient's MDT cases and actions; the practice is kept, because the
auto-listing rules list a patient with the MDT that serves their practice.
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.projections import registration_grants_access
from carecoord_shared.service import Consumer
from mdt.domain.vocabulary import REGISTERED_PRACTICE
from mdt.service.context import MdtContext
from mdt.service.inbound import patient_of, text
from mdt.store.patients import Patients

grant_practice = registration_grants_access(REGISTERED_PRACTICE)


async def handle(tx: FhirTransaction, event: Event, context: MdtContext) -> None:
    nhs = patient_of(event)
    await grant_practice(tx, event, context)
    await tx.repository(Patients).update(nhs, practice=text(event.data.get("practice")))


CONSUMER = Consumer(
    "carecoord.patient.registered.v1", lambda s: s.care_plans_topic, handle, "care-plans"
)
