"""The demo borough's synthetic patients and their long-term conditions, for care_plans.

Care co-ordination screens, registers and indicators are empty without people, and
real people may never appear in a demo. These patients get NHS numbers from the
test range (`999...`, with a valid modulus 11 check digit; prefixes whose check
digit would be 10 are skipped, as the NHS Data Dictionary rules them out), made-up
names from `names`, a registered practice (generalPractitioner, a logical reference
by ODS code) and, with likelihoods that rise with age, diabetes, COPD, heart
failure or frailty coded in SNOMED CT. A fixed seed makes every load identical.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from carecoord_devstack.demo_data.directory import Practice, practices
from carecoord_devstack.demo_data.model import (
    SCT,
    JsonObject,
    Seed,
    concept,
    identifier,
    organisation_ref,
    patient_ref,
)
from carecoord_devstack.demo_data.names import FAMILY, FEMALE, MALE, STREETS
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, with_check_digit

__all__ = ["PATIENT_COUNT", "DemoPatient", "demo_nhs_numbers", "patient_seeds", "patients"]

PATIENT_COUNT = 200
REFERENCE_DATE = date(2025, 4, 1)  # ages and onsets are fixed, not relative to today
_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"

# SNOMED CT code, display, and chance by age band (<65, 65-74, 75+).
_CONDITIONS: tuple[tuple[str, str, tuple[float, float, float]], ...] = (
    ("44054006", "Type 2 diabetes mellitus", (0.15, 0.25, 0.25)),
    ("13645005", "Chronic obstructive pulmonary disease", (0.06, 0.15, 0.18)),
    ("84114007", "Heart failure", (0.03, 0.10, 0.18)),
    ("248279007", "Frailty", (0.0, 0.15, 0.50)),
)


@dataclass(frozen=True, slots=True)
class DemoPatient:
    nhs_number: str
    given: str
    family: str
    gender: str
    birth_date: date
    practice: Practice
    conditions: tuple[tuple[str, str, date], ...]

    @property
    def age(self) -> int:
        return (REFERENCE_DATE - self.birth_date).days // 365


def demo_nhs_numbers(count: int, rng: random.Random) -> list[str]:
    """`count` distinct NHS numbers from the 999 test range with valid check digits."""
    found: list[str] = []
    for serial in rng.sample(range(1_000_000), count * 2):
        made = with_check_digit(f"999{serial:06d}")
        found += [made] if made else []  # none when the check digit would be 10
        if len(found) == count:
            return found
    raise AssertionError("unreachable: about 10 in 11 prefixes have a check digit")


def _conditions(rng: random.Random, age: int, born: date) -> tuple[tuple[str, str, date], ...]:
    band = 0 if age < 65 else 1 if age < 75 else 2
    chosen = []
    for code, display, chances in _CONDITIONS:
        if rng.random() < chances[band]:
            earliest = max(born + timedelta(days=40 * 365), date(1995, 1, 1))
            span = max((REFERENCE_DATE - earliest).days, 1)
            chosen.append((code, display, earliest + timedelta(days=rng.randrange(span))))
    return tuple(chosen)


def patients(count: int = PATIENT_COUNT) -> list[DemoPatient]:
    """The demo population; the first patient is registered at the first practice."""
    rng = random.Random("eastmoor-patients")  # noqa: S311 - demo data, not security
    registered = practices()
    found: list[DemoPatient] = []
    for index, nhs_number in enumerate(demo_nhs_numbers(count, rng)):
        gender = rng.choice(("female", "male"))
        born = REFERENCE_DATE - timedelta(days=rng.randint(18 * 365, 98 * 365))
        age = (REFERENCE_DATE - born).days // 365
        found.append(
            DemoPatient(
                nhs_number=nhs_number,
                given=rng.choice(FEMALE if gender == "female" else MALE),
                family=rng.choice(FAMILY),
                gender=gender,
                birth_date=born,
                practice=registered[0] if index == 0 else rng.choice(registered),
                conditions=_conditions(rng, age, born),
            )
        )
    return found


def _patient(person: DemoPatient, house: int, street: str) -> Seed:
    resource = {
        "resourceType": "Patient",
        "identifier": [identifier(NHS_NUMBER_SYSTEM, person.nhs_number)],
        "active": True,
        "name": [{"use": "official", "family": person.family, "given": [person.given]}],
        "gender": person.gender,
        "birthDate": person.birth_date.isoformat(),
        "address": [
            {
                "use": "home",
                "line": [f"{house} {street}"],
                "city": "Eastmoor",
                "district": person.practice.locality,
                "country": "GB",
            }
        ],
        "generalPractitioner": [organisation_ref(person.practice.ods, person.practice.name)],
    }
    criteria = urlencode({"identifier": f"{NHS_NUMBER_SYSTEM}|{person.nhs_number}"})
    return Seed("care_plans", resource, criteria)


def _condition(person: DemoPatient, code: str, display: str, onset: date) -> Seed:
    subject = patient_ref(person.nhs_number) | {"display": f"{person.given} {person.family}"}
    resource: JsonObject = {
        "resourceType": "Condition",
        "clinicalStatus": concept(_CLINICAL, "active", "Active"),
        "verificationStatus": concept(_VERIFICATION, "confirmed", "Confirmed"),
        "category": [concept(_CATEGORY, "problem-list-item", "Problem List Item")],
        "code": concept(SCT, code, display),
        "subject": subject,
        "onsetDateTime": onset.isoformat(),
        "recordedDate": onset.isoformat(),
    }
    # Condition has no business identifier: patient and code identify a register entry.
    criteria = urlencode(
        {
            "patient:identifier": f"{NHS_NUMBER_SYSTEM}|{person.nhs_number}",
            "code": f"{SCT}|{code}",
        }
    )
    return Seed("care_plans", resource, criteria)


def patient_seeds() -> list[list[Seed]]:
    """Stages for care_plans: patients, then their conditions."""
    rng = random.Random("eastmoor-addresses")  # noqa: S311 - demo data, not security
    people = patients()
    registered = [_patient(p, rng.randint(1, 180), rng.choice(STREETS)) for p in people]
    conditions = [_condition(p, *c) for p in people for c in p.conditions]
    return [registered, conditions]
