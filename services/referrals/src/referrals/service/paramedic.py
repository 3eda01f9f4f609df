"""What a paramedic sees in one call: co-ordinator, care plan, end of life, open requests.

Only a paramedic with an open advice call for this patient (the time-limited
'advice-call' grant that recording the call gives) may read it, and every read is
audited with that purpose. The co-ordinator and care plan come from this service's
projections of care_plans' events, so the summary answers while care_plans is down.
"""

from __future__ import annotations

from dataclasses import dataclass

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.unit_of_work import FhirReads
from carecoord_shared.store.repository import StoredResource
from referrals.domain import vocabulary as v
from referrals.domain.records import CarePlanSummary, Coordinator
from referrals.store.projections import CarePlanProjections


@dataclass(frozen=True, slots=True)
class Summary:
    coordinators: list[Coordinator]
    care_plans: list[CarePlanSummary]
    open_requests: list[StoredResource]


async def on_advice_call(tx: FhirReads, nhs_number: str) -> bool:
    """Whether the caller has a running advice-call access to the patient."""
    running = await tx.grants.running(nhs_number, reason=v.ADVICE_CALL_ACCESS)
    return any(g.party_kind == "user" and g.party == tx.principal.subject for g in running)


async def paramedic_summary(tx: FhirReads, nhs_number: str) -> Summary:
    entity = f"Patient/{nhs_number}/$paramedic-summary"
    if tx.principal.role != "paramedic" or not await on_advice_call(tx, nhs_number):
        await tx.refuse("R", entity, nhs_number)
    await tx.record_access("R", entity, [nhs_number], purpose=v.ADVICE_CALL_ACCESS)
    projections = tx.repository(CarePlanProjections)
    requests = await tx.search(
        "ServiceRequest",
        [
            ("patient:identifier", f"{NHS_NUMBER_SYSTEM}|{nhs_number}"),
            ("status", "active"),
            ("_count", "50"),
        ],
    )
    return Summary(
        await projections.coordinators_of(nhs_number),
        await projections.care_plans_of(nhs_number),
        requests.matches,
    )
