"""What a write of a care plan, goal or activity means to this service.

Each contribution (every write: `service.changes`) is recorded as Provenance with its
author and organisation. A CarePlan write also keeps the care plan index (refusing a
second active comprehensive plan with 409) and announces `careplan.revised` with the
review date and the end-of-life preferences the paramedic summary needs.
"""

from __future__ import annotations

from typing import Any

from care_plans.domain.care_plan import next_review_due
from care_plans.domain.event_types import PLAN_REVISED
from care_plans.fhir.care_plan import end_of_life, facts_of
from care_plans.service.changes import Change
from care_plans.service.context import CarePlansContext
from care_plans.service.provenance import record_contribution
from care_plans.store.plans import PlanIndexRepository
from care_plans.store.register import RegisterRepository
from carecoord_shared.fhir.outcome import conflict
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource


async def contribution_written(
    tx: FhirTransaction, change: Change, context: CarePlansContext
) -> None:
    """Goal and Task writes: who contributed them."""
    await record_contribution(tx, change.stored, change.created, context.now())


async def care_plan_written(tx: FhirTransaction, change: Change, context: CarePlansContext) -> None:
    plan = change.stored
    if plan.patient_nhs is None:
        return
    await record_contribution(tx, plan, change.created, context.now())
    if plan.deleted:
        await tx.repository(PlanIndexRepository).forget(plan.id)
    else:
        await _revised(tx, plan)


async def _revised(tx: FhirTransaction, plan: StoredResource) -> None:
    """Index the plan's new version and announce it."""
    nhs_number, body = plan.patient_nhs or "", plan.as_json()
    index = tx.repository(PlanIndexRepository)
    facts = facts_of(body)
    duplicate = facts.comprehensive and facts.active
    if duplicate and await index.other_active_comprehensive(nhs_number, plan.id):
        raise conflict(
            "The patient already has an active comprehensive care plan: revise that one",
            ("CarePlan.category",),
        )
    await index.save(plan.id, nhs_number, facts)
    six_monthly = await tx.repository(RegisterRepository).six_monthly(nhs_number)
    due = next_review_due(facts.last_reviewed, six_monthly)
    data: dict[str, Any] = {
        "carePlan": plan.reference,
        "versionId": str(plan.version_id),
        "status": body.get("status"),
        "title": body.get("title"),
        "description": body.get("description"),
        "nextReviewDue": due.isoformat() if due else None,
        "endOfLife": end_of_life(body),
        "contributor": {"organisation": tx.principal.organisation, "user": tx.principal.subject},
    }
    await tx.outbox.announce(PLAN_REVISED, subject=plan.reference, nhs_number=nhs_number, data=data)
