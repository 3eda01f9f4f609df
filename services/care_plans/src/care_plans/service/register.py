"""Keeping the register's cohorts and risk score current as Patients and Conditions change.

Runs inside the write's transaction (a change hook), so the read model and the
`patient.cohort-changed` event commit with the change that caused them. The score
and its inputs are defined in `domain.register`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from care_plans.domain.codes import EXT_LOCALITY, SNOMED
from care_plans.domain.register import (
    RiskInputs,
    Stratification,
    age_on,
    cohort_changes,
    stratify,
)
from care_plans.service.announce import COHORT_CHANGED, announce
from care_plans.service.registration import record_registration, registered_practice
from care_plans.store import register as store
from carecoord_shared.fhir.registry import Change, WriteContext

_ACTIVE = {None, "active", "recurrence", "relapse"}


def _active_codes(conditions: list[dict[str, Any]]) -> frozenset[str]:
    codes: set[str] = set()
    for condition in conditions:
        status = next(
            (c.get("code") for c in (condition.get("clinicalStatus") or {}).get("coding", [])),
            None,
        )
        if status not in _ACTIVE:
            continue
        for coding in (condition.get("code") or {}).get("coding") or []:
            if coding.get("system") == SNOMED and isinstance(coding.get("code"), str):
                codes.add(coding["code"])
    return frozenset(codes)


async def stratification_of(
    conn: AsyncConnection, nhs_number: str, birth_date: date | None, today: date
) -> Stratification:
    conditions = await store.resources_of(conn, "Condition", nhs_number)
    inputs = RiskInputs(
        condition_codes=_active_codes(conditions),
        age=age_on(birth_date, today),
        recent_requests=await store.recent_requests(conn, nhs_number, today),
    )
    return stratify(inputs)


async def restratify(conn: AsyncConnection, nhs_number: str, topic: str) -> None:
    """Recompute one patient's cohorts and score; announce a change of cohorts."""
    entry = await store.register_entry(conn, nhs_number)
    if entry is None:
        return
    result = await stratification_of(conn, nhs_number, entry.birth_date, datetime.now(UTC).date())
    await store.save_stratification(
        conn, nhs_number, result.cohorts, result.risk_score, result.six_monthly_review
    )
    entered, left = cohort_changes(entry.cohorts, result.cohorts)
    if entered or left:
        await announce(
            conn,
            topic,
            COHORT_CHANGED,
            subject=f"Patient/{entry.patient_id}",
            nhs_number=nhs_number,
            data={
                "patient": f"Patient/{entry.patient_id}",
                "cohorts": list(result.cohorts),
                "entered": list(entered),
                "left": list(left),
                "riskScore": result.risk_score,
            },
        )


def _locality(patient: dict[str, Any]) -> str | None:
    for extension in patient.get("extension") or []:
        if extension.get("url") == EXT_LOCALITY and isinstance(extension.get("valueString"), str):
            return str(extension["valueString"])
    return None


def birth_date_of(patient: dict[str, Any]) -> date | None:
    text = patient.get("birthDate")
    if isinstance(text, str) and len(text) == 10:
        return date.fromisoformat(text)
    return None


async def on_patient_change(context: WriteContext, change: Change, *, topic: str) -> None:
    await record_registration(context, change, topic=topic)
    if change.patient_nhs is None:
        return
    if change.resource is None:
        await store.remove_patient(context.conn, change.patient_nhs)
        return
    patient = change.resource
    await store.upsert_patient(
        context.conn,
        change.patient_nhs,
        change.id,
        registered_practice(patient),
        _locality(patient),
        birth_date_of(patient),
    )
    await restratify(context.conn, change.patient_nhs, topic)


async def on_condition_change(context: WriteContext, change: Change, *, topic: str) -> None:
    if change.patient_nhs is not None:
        await restratify(context.conn, change.patient_nhs, topic)
