"""What happens inside every write of a care plan, goal or activity (the change hooks).

Each contribution is recorded as Provenance with its author and organisation. A
CarePlan write also keeps the care plan index (refusing a second active
comprehensive plan with 409) and announces `careplan.revised` with the review date
and the end-of-life preferences the paramedic summary needs.
"""

from __future__ import annotations

from care_plans.domain.care_plan import next_review_due
from care_plans.service.announce import PLAN_REVISED, announce
from care_plans.service.plan_fhir import end_of_life, facts_of
from care_plans.service.provenance import record_contribution
from care_plans.store import plans as store
from carecoord_shared.fhir.outcome import conflict
from carecoord_shared.fhir.registry import Change, FhirRegistry, WriteContext


async def on_contribution(context: WriteContext, change: Change, *, registry: FhirRegistry) -> None:
    """Goal and Task writes: who contributed."""
    if change.patient_nhs is not None:
        await record_contribution(
            context.conn,
            registry,
            context.principal,
            change.patient_nhs,
            f"{change.resource_type}/{change.id}",
            change.version_id,
            change.kind,
        )


async def on_plan_change(
    context: WriteContext, change: Change, *, registry: FhirRegistry, topic: str
) -> None:
    nhs_number, conn = change.patient_nhs, context.conn
    if nhs_number is None:
        return
    await on_contribution(context, change, registry=registry)
    if change.resource is None:
        await store.forget(conn, change.id)
        return
    facts = facts_of(change.resource)
    duplicate = facts.comprehensive and facts.active
    if duplicate and await store.other_active_comprehensive(conn, nhs_number, change.id):
        raise conflict(
            "The patient already has an active comprehensive care plan: revise that one",
            ("CarePlan.category",),
        )
    await store.save(conn, change.id, nhs_number, facts)
    due = next_review_due(facts.last_reviewed, await store.six_monthly(conn, nhs_number))
    plan = change.resource
    await announce(
        conn,
        topic,
        PLAN_REVISED,
        subject=f"CarePlan/{change.id}",
        nhs_number=nhs_number,
        data={
            "carePlan": f"CarePlan/{change.id}",
            "versionId": str(change.version_id),
            "status": plan.get("status"),
            "title": plan.get("title"),
            "description": plan.get("description"),
            "nextReviewDue": due.isoformat() if due else None,
            "endOfLife": end_of_life(plan),
            "contributor": {
                "organisation": context.principal.organisation,
                "user": context.principal.subject,
            },
        },
    )
