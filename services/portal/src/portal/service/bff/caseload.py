"""The care co-ordinator's caseload, as calls to care_plans with their own token.

care_plans' `$caseload` lists the patients this person co-ordinates or covers (by SDS
user id); each row adds the patient's risk score and cohorts (`$stratification`) and the
next review of their active plan, fetched side by side. Overdue reviews come first, then
the soonest due, then those with no plan (care_plans' README, "Review schedule").
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from portal.service.bff.care_plans_shapes import PatientView, patient_view, plan_view
from portal.service.bff.care_plans_vocabulary import COHORTS
from portal.service.bff.client import FhirClient

__all__ = ["CaseloadRow", "caseload", "unassigned"]


@dataclass(frozen=True, slots=True)
class CaseloadRow:
    patient: PatientView
    risk: int | None
    cohorts: tuple[str, ...]
    next_review: date | None
    overdue: bool


async def _row(api: FhirClient, patient: PatientView, today: date) -> CaseloadRow:
    about = [("patient:identifier", patient.search_key), ("status", "active")]
    stratified, plans = await asyncio.gather(
        api.get(f"Patient/{patient.id}/$stratification"), api.get("CarePlan", about)
    )
    parameters = stratified.body.get("parameter", []) if stratified.ok else []
    risk = next((p.get("valueInteger") for p in parameters if p.get("name") == "riskScore"), None)
    cohorts = tuple(
        COHORTS.get(str(p.get("valueCode")), str(p.get("valueCode")))
        for p in parameters
        if p.get("name") == "cohort"
    )
    six_monthly = any(
        p.get("name") == "sixMonthlyReview" and p.get("valueBoolean") for p in parameters
    )
    dues = [plan_view(p, six_monthly).next_review for p in plans.resources("CarePlan")]
    due = min((d for d in dues if d is not None), default=None)
    return CaseloadRow(patient, risk, cohorts, due, due is not None and due < today)


def _order(row: CaseloadRow) -> tuple[int, date, str]:
    return (
        0 if row.overdue else 1 if row.next_review else 2,
        row.next_review or date.max,
        row.patient.name,
    )


async def _rows(
    api: FhirClient, operation: str, query: list[tuple[str, str]], today: date
) -> list[CaseloadRow]:
    reply = await api.get(operation, query)
    entries = reply.body.get("entry", []) if reply.ok else []
    patients = [patient_view(e["resource"]) for e in entries]
    rows = await asyncio.gather(*(_row(api, p, today) for p in patients))
    return sorted(rows, key=_order)


async def caseload(api: FhirClient, coordinator: str, today: date) -> list[CaseloadRow]:
    """The patients `coordinator` (an SDS user id) co-ordinates or covers."""
    return await _rows(api, "Patient/$caseload", [("coordinator", coordinator)], today)


async def unassigned(api: FhirClient, practice: str, today: date) -> list[CaseloadRow]:
    """The practice's patients with a long-term condition and no named co-ordinator in
    force (care_plans' `$unassigned-coordinator`, the indicator G2 worklist)."""
    return await _rows(api, "Patient/$unassigned-coordinator", [("practice", practice)], today)
