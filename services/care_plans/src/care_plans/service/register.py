"""Keeping the register's cohorts and risk score current as Patients, Conditions and
referral activity change.

Runs inside the unit of work of the change, so the read model and the
`patient.cohort-changed` event commit with the change that caused them; referral
activity gathers its recomputations (`restratify_later`): once per patient per run, all
of the run's patients together. The score and its inputs are defined in `domain.register`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from care_plans.domain.event_types import COHORT_CHANGED
from care_plans.domain.register import (
    RegisterEntry,
    RiskInputs,
    Stratification,
    age_on,
    cohort_changes,
    stratify,
)
from care_plans.fhir.register import active_codes
from care_plans.service.announcements import announce_about_patient
from care_plans.store.referral_activity import ReferralActivityRepository
from care_plans.store.register import RegisterRepository
from carecoord_shared.fhir.gathering import Gathering
from carecoord_shared.fhir.unit_of_work import FhirTransaction


async def stratification_of(
    tx: FhirTransaction, nhs_number: str, birth_date: date | None, today: date
) -> Stratification:
    conditions = await tx.repository(RegisterRepository).conditions_of(nhs_number)
    activity = tx.repository(ReferralActivityRepository)
    requests = await activity.recent_requests(nhs_number, today)
    return _stratified(conditions, birth_date, requests, today)


def _stratified(
    conditions: list[dict[str, Any]], birth_date: date | None, requests: int, today: date
) -> Stratification:
    inputs = RiskInputs(
        condition_codes=active_codes(conditions),
        age=age_on(birth_date, today),
        recent_requests=requests,
    )
    return stratify(inputs)


async def restratify(tx: FhirTransaction, nhs_number: str, today: date) -> None:
    """Recompute one patient's cohorts and score; announce a change of cohorts."""
    await restratify_all(tx, [nhs_number], today)


async def restratify_all(tx: FhirTransaction, nhs_numbers: Sequence[str], today: date) -> None:
    """Recompute the cohorts and score of each patient on the register (a few statements
    for all of them: their entries, Conditions and requests, then the new values), and
    announce each change of cohorts, in the order given."""
    register = tx.repository(RegisterRepository)
    entries = await register.entries_of(nhs_numbers)
    if not entries:
        return
    conditions = await register.conditions_of_all(entries)
    activity = tx.repository(ReferralActivityRepository)
    requests = await activity.recent_requests_of(entries, today)
    results = {
        nhs: _stratified(conditions.get(nhs, []), e.birth_date, requests.get(nhs, 0), today)
        for nhs, e in entries.items()
    }
    await register.save_stratifications(
        [(nhs, r.cohorts, r.risk_score, r.six_monthly_review) for nhs, r in results.items()]
    )
    for nhs_number in dict.fromkeys(n for n in nhs_numbers if n in entries):
        entry, result = entries[nhs_number], results[nhs_number]
        entered, left = cohort_changes(entry.cohorts, result.cohorts)
        if entered or left:
            await announce_about_patient(
                tx,
                COHORT_CHANGED,
                entry.patient_id,
                nhs_number,
                cohorts=list(result.cohorts),
                entered=list(entered),
                left=list(left),
                riskScore=result.risk_score,
            )


async def _restratify_gathered(tx: FhirTransaction, today: date, patients: list[str]) -> None:
    await restratify_all(tx, patients, today)


RISK_SCORES = Gathering("risk scores", _restratify_gathered)
"""Keyed by the day the scores are computed for, with the patients to recompute."""


def restratify_later(tx: FhirTransaction, nhs_number: str, today: date) -> None:
    """Have the patient's cohorts and score recomputed once, when the unit of work
    finishes: a run of events recomputes each of its patients once, on what all of
    them changed, every patient together."""
    tx.gather(RISK_SCORES, today, nhs_number)


async def enrol(tx: FhirTransaction, entry: RegisterEntry, today: date) -> None:
    """Put the patient on the register (or move them) and recompute their cohorts."""
    await tx.repository(RegisterRepository).enrol(entry)
    await restratify(tx, entry.nhs_number, today)


async def remove(tx: FhirTransaction, nhs_number: str) -> None:
    await tx.repository(RegisterRepository).remove(nhs_number)
