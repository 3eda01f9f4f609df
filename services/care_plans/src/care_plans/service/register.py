"""Keeping the register's cohorts and risk score current as Patients, Conditions and
referral activity change.

Runs inside the unit of work of the change, so the read model and the
`patient.cohort-changed` event commit with the change that caused them; referral
activity gathers its recomputations (`restratify_later`), once per patient per run. The score
and its inputs are defined in `domain.register`.
"""

from __future__ import annotations

from datetime import date

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
    inputs = RiskInputs(
        condition_codes=active_codes(conditions),
        age=age_on(birth_date, today),
        recent_requests=await activity.recent_requests(nhs_number, today),
    )
    return stratify(inputs)


async def restratify(tx: FhirTransaction, nhs_number: str, today: date) -> None:
    """Recompute one patient's cohorts and score; announce a change of cohorts."""
    register = tx.repository(RegisterRepository)
    entry = await register.entry(nhs_number)
    if entry is None:
        return
    result = await stratification_of(tx, nhs_number, entry.birth_date, today)
    await register.save_stratification(
        nhs_number, result.cohorts, result.risk_score, result.six_monthly_review
    )
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


async def _restratify_once(tx: FhirTransaction, nhs_number: str, days: list[date]) -> None:
    await restratify(tx, nhs_number, max(days))


RISK_SCORES = Gathering("risk scores", _restratify_once)


def restratify_later(tx: FhirTransaction, nhs_number: str, today: date) -> None:
    """Have the patient's cohorts and score recomputed once, when the unit of work
    finishes: a run of events about them recomputes once, on what all of them changed."""
    tx.gather(RISK_SCORES, nhs_number, today)


async def enrol(tx: FhirTransaction, entry: RegisterEntry, today: date) -> None:
    """Put the patient on the register (or move them) and recompute their cohorts."""
    await tx.repository(RegisterRepository).enrol(entry)
    await restratify(tx, entry.nhs_number, today)


async def remove(tx: FhirTransaction, nhs_number: str) -> None:
    await tx.repository(RegisterRepository).remove(nhs_number)
