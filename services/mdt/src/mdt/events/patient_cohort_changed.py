"""`carecoord.patient.cohort-changed.v1`: risk score and cohorts from risk stratification.

Kept for the case-list order (risk) and re-applied to the patient's open cases; the
`cohort-entered` rule lists a patient entering frailty (routine) or end of life (soon).
"""

from __future__ import annotations

from carecoord_shared.events import Event
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.service import Consumer
from mdt.domain import rules
from mdt.service.auto_listing import list_by_rule
from mdt.service.context import MdtContext
from mdt.service.inbound import patient_of
from mdt.store.cases import Cases
from mdt.store.patients import Patients


async def handle(tx: FhirTransaction, event: Event, context: MdtContext) -> None:
    nhs, data = patient_of(event), event.data
    given = data.get("riskScore")
    risk = float(given) if isinstance(given, int | float) else None
    cohorts = tuple(str(c) for c in data.get("cohorts") or [])
    await tx.repository(Patients).update(nhs, cohorts=cohorts, risk_score=risk)
    if risk is not None:
        await tx.repository(Cases).refresh_risk(nhs, risk)
    await list_by_rule(tx, context, event, nhs, rules.cohort_entered(data))


CONSUMER = Consumer(
    "carecoord.patient.cohort-changed.v1", lambda s: s.care_plans_topic, handle, "care-plans"
)
