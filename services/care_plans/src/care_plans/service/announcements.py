"""Facts about one patient, announced the way every such event of this service has them.

Each names the patient's Patient resource twice, as the event's subject and as
`patient` first in its data (docs/EVENTS.md: registered, cohort-changed,
coordinator.assigned, coordinator.ended); the kernel's outbox adds the NHS number,
which keys the event so one patient's events stay in order.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.fhir.unit_of_work import FhirTransaction


async def announce_about_patient(
    tx: FhirTransaction, event_type: str, patient_id: str, nhs_number: str, **data: Any
) -> None:
    patient = f"Patient/{patient_id}"
    await tx.outbox.announce(
        event_type, subject=patient, nhs_number=nhs_number, data={"patient": patient, **data}
    )
