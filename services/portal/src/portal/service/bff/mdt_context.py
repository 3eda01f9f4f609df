"""What meeting mode shows beside a case from the other services, as the signed-in member.

The patient's shared care plan (goals in the patient's words, activities, next review,
end-of-life preferences) from care_plans, and their recent referrals and A&G requests
(with what was asked) from referrals, each read with the user's own token: those
services decide what this person may see. Each part is read on its own, so one service
being down (or refusing) leaves the other part and the rest of the page working.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from portal.service.bff.care_plans_shapes import PlanView, plan_view
from portal.service.bff.client import FhirClient, ServiceDown
from portal.service.bff.shapes import RequestView, request_view

__all__ = ["CaseContext", "case_context"]

RECENT_REFERRALS = 5


@dataclass(frozen=True, slots=True)
class CaseContext:
    """Each part: its value, or the service that did not answer (`*_down`)."""

    plan: PlanView | None = None
    plan_down: str = ""
    referrals: tuple[RequestView, ...] = ()
    referrals_down: str = ""


async def _six_monthly(api: FhirClient, about: tuple[str, str]) -> bool:
    """Whether the patient's cohort asks for a review every six months (else yearly)."""
    patients = await api.get("Patient", [("identifier", about[1]), ("_count", "1")])
    found = patients.resources("Patient")
    if not found:
        return False
    stratified = await api.get(f"Patient/{found[0].get('id')}/$stratification")
    return stratified.ok and any(
        p.get("name") == "sixMonthlyReview" and p.get("valueBoolean")
        for p in stratified.body.get("parameter", [])
    )


async def _plan(api: FhirClient, nhs_number: str) -> PlanView | None:
    about = ("patient:identifier", f"{NHS_NUMBER_SYSTEM}|{nhs_number}")
    query = [about, ("status", "active"), ("_include", "CarePlan:goal"), ("_count", "5")]
    reply = await api.get("CarePlan", query)
    plans = reply.resources("CarePlan")
    if not plans:  # no plan: the review cycle is not asked for
        return None
    plan = plan_view(plans[0], await _six_monthly(api, about))
    goals = {f"Goal/{g.get('id')}": g for g in reply.resources("Goal")}
    words = [str((goals.get(ref) or {}).get("description", {}).get("text") or "")
             for ref in plan.goal_refs]  # fmt: skip
    return plan.with_details([w for w in words if w], [])


async def _referrals(api: FhirClient, nhs_number: str) -> tuple[RequestView, ...]:
    query = [
        ("patient:identifier", f"{NHS_NUMBER_SYSTEM}|{nhs_number}"),
        ("_sort", "-authored"),
        ("_count", str(RECENT_REFERRALS)),
    ]
    reply = await api.get("ServiceRequest", query)
    return tuple(request_view(r) for r in reply.resources("ServiceRequest"))


async def case_context(care_plans: FhirClient, referrals: FhirClient, nhs: str) -> CaseContext:
    """The plan and the recent referrals of the case's patient, each part on its own."""
    plan, recent = await asyncio.gather(
        _plan(care_plans, nhs), _referrals(referrals, nhs), return_exceptions=True
    )
    if isinstance(plan, BaseException) and not isinstance(plan, ServiceDown):
        raise plan
    if isinstance(recent, BaseException) and not isinstance(recent, ServiceDown):
        raise recent
    return CaseContext(
        plan=None if isinstance(plan, BaseException) else plan,
        plan_down=plan.service if isinstance(plan, ServiceDown) else "",
        referrals=() if isinstance(recent, BaseException) else recent,
        referrals_down=recent.service if isinstance(recent, ServiceDown) else "",
    )
