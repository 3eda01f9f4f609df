"""Reading the register's facts out of Patient and Condition JSON, and the answer of
`$stratification` (cohorts and score with the inputs that produced them).

Where a patient is registered (Patient.generalPractitioner by ODS code), their
locality (extension `patient-locality`) and birth date; which SNOMED CT codes of their
Conditions are active. The rules made of these facts are in `domain.register`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from care_plans.domain.codes import SNOMED
from care_plans.domain.register import RegisterEntry, RiskInputs
from care_plans.fhir.vocabulary import EXT_LOCALITY
from carecoord_shared.fhir.identifiers import ODS_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject

Json = dict[str, Any]
_ACTIVE = {None, "active", "recurrence", "relapse"}


def active_codes(conditions: list[Json]) -> frozenset[str]:
    """SNOMED CT codes of the Conditions whose clinical status is active (or unstated)."""
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


def registered_practice(patient: JsonObject | None) -> str | None:
    for reference in (patient or {}).get("generalPractitioner", []):
        identifier = reference.get("identifier") or {}
        if identifier.get("system") == ODS_SYSTEM and identifier.get("value"):
            return str(identifier["value"])
    return None


def locality(patient: Json) -> str | None:
    for extension in patient.get("extension") or []:
        if extension.get("url") == EXT_LOCALITY and isinstance(extension.get("valueString"), str):
            return str(extension["valueString"])
    return None


def birth_date_of(patient: Json) -> date | None:
    text = patient.get("birthDate")
    if isinstance(text, str) and len(text) == 10:
        return date.fromisoformat(text)
    return None


def register_entry(nhs_number: str, patient_id: str, patient: Json) -> RegisterEntry:
    """Where the patient is on the register (cohorts are computed separately)."""
    return RegisterEntry(
        nhs_number,
        patient_id,
        registered_practice(patient),
        locality(patient),
        birth_date_of(patient),
    )


def risk_inputs(inputs: RiskInputs) -> Json:
    """The parts of `$stratification`'s `input`: what the score was made of."""
    return {
        "condition": [{"system": SNOMED, "code": code} for code in sorted(inputs.condition_codes)],
        "age": inputs.age,
        "recentRequests": inputs.recent_requests,
    }
