"""What a GP system, the demographics feed and a co-ordinator send: bodies and constants
shared by the HTTP tests and the unit tests on fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from care_plans.domain.codes import COMPREHENSIVE, SNOMED
from care_plans.fhir.vocabulary import (
    EXT_CO_DEVELOPMENT,
    EXT_END_OF_LIFE,
    EXT_LAST_REVIEWED,
    EXT_LOCALITY,
    PLAN_KIND_SYSTEM,
)

BASE_URL = "http://care-plans.test"
FHIR_JSON = "application/fhir+json"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
PRACTICE_A = "A81001"
PRACTICE_B = "B82002"
TRUST = "RXX01"
DIABETES = "44054006"
ASTHMA = "195967001"


def subject(nhs_number: str) -> dict[str, Any]:
    return {"identifier": {"system": NHS, "value": nhs_number}}


def patient(nhs_number: str, practice: str = PRACTICE_A, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": nhs_number}],
        "name": [{"family": "Example", "given": ["Pat"]}],
        "generalPractitioner": [{"identifier": {"system": ODS, "value": practice}}],
    }
    if "locality" in extra:
        body["extension"] = [{"url": EXT_LOCALITY, "valueString": extra.pop("locality")}]
    return body | extra


def condition(nhs_number: str, code: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {"coding": [{"system": SNOMED, "code": code}]},
        "subject": subject(nhs_number),
    }


def care_plan(
    nhs_number: str,
    *,
    comprehensive: bool = True,
    reviewed: str | None = None,
    co_developed: bool = True,
    goals: tuple[str, ...] = (),
) -> dict[str, Any]:
    kind = COMPREHENSIVE if comprehensive else "condition-specific"
    body: dict[str, Any] = {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "title": "My care and support plan",
        "category": [{"coding": [{"system": PLAN_KIND_SYSTEM, "code": kind}]}],
        "subject": subject(nhs_number),
        "period": {"start": "2026-01-05"},
        "extension": [],
    }
    if co_developed:
        body["extension"].append(
            {
                "url": EXT_CO_DEVELOPMENT,
                "extension": [
                    {"url": "with", "valueReference": {"display": "the patient"}},
                    {"url": "when", "valueDateTime": "2026-01-05T10:00:00Z"},
                    {"url": "how", "valueString": "face to face"},
                ],
            }
        )
    if reviewed is not None:
        body["extension"].append({"url": EXT_LAST_REVIEWED, "valueDateTime": reviewed})
    if goals:
        body["goal"] = [{"reference": g} for g in goals]
    if not body["extension"]:
        del body["extension"]
    return body


def end_of_life() -> dict[str, Any]:
    """A plan's end-of-life preferences, as a GP records them (EPaCCS-style)."""
    return {
        "url": EXT_END_OF_LIFE,
        "extension": [
            {"url": "preferredPlaceOfCare", "valueString": "home"},
            {"url": "preferredPlaceOfDeath", "valueString": "hospice"},
            {
                "url": "resuscitation",
                "extension": [
                    {"url": "decision", "valueString": "DNACPR"},
                    {"url": "decidedBy", "valueReference": {"display": "Dr Lee"}},
                    {"url": "decidedOn", "valueDateTime": "2026-01-02T09:00:00Z"},
                ],
            },
            {"url": "keyContact", "valueString": "Daughter, 07700 900000"},
        ],
    }


def assignment(
    sds: str,
    *,
    kind: str = "named-care-coordinator",
    cover: bool = False,
    start: str | None = None,
    end: str | None = None,
    reason: str = "new to the LTC register",
) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {
            "name": "practitionerRole",
            "valueReference": {
                "reference": f"PractitionerRole/pr-{sds}",
                "display": f"Nurse {sds}",
            },
        },
        {"name": "sdsUserId", "valueString": sds},
        {"name": "phone", "valueString": "01234 567890"},
        {"name": "kind", "valueCode": kind},
        {"name": "reason", "valueString": reason},
    ]
    if cover:
        params.append({"name": "cover", "valueBoolean": True})
    if start or end:
        period = {k: v for k, v in (("start", start), ("end", end)) if v}
        params.append({"name": "period", "valuePeriod": period})
    return {"resourceType": "Parameters", "parameter": params}


def cover_that_ended(sds: str, days: int, **options: Any) -> dict[str, Any]:
    """Cover that started `days` ago and whose period has just run out."""
    now = datetime.now(UTC)
    start, end = now - timedelta(days=days), now - timedelta(minutes=1)
    return assignment(sds, cover=True, start=start.isoformat(), end=end.isoformat(), **options)
