"""Keeping this service's projection of referral activity, and what it changes.

Each referral event (submitted, revised, withdrawn) updates the projection (an older
version never overwrites a newer one) and has the patient's risk score recomputed, which
counts their requests in the last 12 months (`domain.register`). Both are gathered and
done when a run of events finishes: the run's projections in one statement, then every
patient's score once, together (a backlog of a patient's requests recomputes once).
"""

from __future__ import annotations

from care_plans.domain.event_types import REFERRAL_WITHDRAWN
from care_plans.domain.referrals import ReferralActivity
from care_plans.service.context import CarePlansContext
from care_plans.service.register import restratify_later
from care_plans.store.referral_activity import ReferralActivityRepository
from carecoord_shared.events import Event
from carecoord_shared.fhir.gathering import Gathering
from carecoord_shared.fhir.unit_of_work import FhirTransaction


def activity_of(event: Event) -> ReferralActivity:
    """The request as the event describes it (its contract: docs/EVENTS.md)."""
    data = event.data
    withdrawn = event.type == REFERRAL_WITHDRAWN
    return ReferralActivity(
        service_request=str(data["serviceRequest"]),
        nhs_number=data.get("nhsNumber"),
        ubrn=data.get("ubrn"),
        status="revoked" if withdrawn else data.get("status"),
        category=",".join(data.get("category") or []),
        priority=data.get("priority"),
        requester=data.get("requester"),
        version_id=int(data["versionId"]),
        last_event_type=event.type,
        updated_at=event.time,
    )


async def _project_all(tx: FhirTransaction, _key: str, facts: list[ReferralActivity]) -> None:
    await tx.repository(ReferralActivityRepository).project_all(facts)


PROJECTIONS = Gathering("referral activity", _project_all)


async def project_referral(tx: FhirTransaction, event: Event, context: CarePlansContext) -> None:
    """The consumer of every referral event: the projection, then the risk score (both
    gathered: a run's projections are one statement, and go first)."""
    tx.gather(PROJECTIONS, "all", activity_of(event))
    nhs_number = event.data.get("nhsNumber")
    if isinstance(nhs_number, str):
        restratify_later(tx, nhs_number, context.today())
