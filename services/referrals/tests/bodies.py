"""Bodies a GP system or directory administrator sends, and the codes they use.

Minimal valid requests, triage Tasks, directory services, advice lines and on-call
specialists, shared by the referrals tests (integration tests post them over HTTP;
`conftest.py` creates the default service from `healthcare_service`).
"""

from __future__ import annotations

import uuid
from typing import Any

FHIR_JSON = "application/fhir+json"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
UBRN_SYSTEM = "https://fhir.nhs.uk/Id/ubrn"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
PRACTICE_A = "A81001"
PRACTICE_B = "B82002"
PROVIDER = "Y0T001"
"""The organisation providing the default service (its triage clinicians triage)."""
CANONICAL = "https://fhir.carecoord.example"
"""The project's canonical root: every local extension and code system is under it."""
CODES = f"{CANONICAL}/CodeSystem"
EXTENSIONS = f"{CANONICAL}/StructureDefinition"
REQUEST_CATEGORY = f"{CODES}/request-category"
SPECIALTY = {"system": "http://snomed.info/sct", "code": "394594003"}
"""The default requests' specialty: the module's default service takes it."""


def invalid_nhs_number(valid: str) -> str:
    """The same number with a wrong check digit."""
    return valid[:9] + str((int(valid[9]) + 1) % 10)


def service_request(
    nhs_number: str,
    *,
    ubrn: str | None = None,
    authored: str = "2024-03-01T09:30:00Z",
    performer: str | None = None,
    note: str | None = None,
    identifier_system: str | None = None,
    identifier_value: str | None = None,
) -> dict[str, Any]:
    """A minimal valid advice & guidance request about the patient `nhs_number`."""
    identifiers = [{"system": UBRN_SYSTEM, "value": ubrn}] if ubrn else []
    if identifier_system is not None:
        identifiers.append({"system": identifier_system, "value": identifier_value or "x"})
    body: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "category": [
            {
                "coding": [
                    {"system": "http://snomed.info/sct", "code": "3457005"},
                    {"system": REQUEST_CATEGORY, "code": "advice-and-guidance"},
                ]
            }
        ],
        "priority": "routine",
        "subject": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}},
        "requester": {"identifier": {"system": ODS_SYSTEM, "value": PRACTICE_A}},
        "performerType": {"coding": [SPECIALTY]},
        "authoredOn": authored,
    }
    if identifiers:
        body["identifier"] = identifiers
    if performer is not None:
        body["performer"] = [{"reference": performer}]
    if note is not None:
        body["note"] = [{"text": note}]
    return body


def triage_task(focus: str, nhs_number: str | None = None) -> dict[str, Any]:
    """A triage Task for the request `focus` (about `nhs_number`, when given)."""
    body: dict[str, Any] = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "focus": {"reference": focus},
    }
    if nhs_number is not None:
        body["for"] = {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}}
    return body


def healthcare_service(
    *,
    provider: str = PROVIDER,
    specialty: dict[str, str] | None = None,
    targets: dict[str, int] | None = None,
    localities: tuple[str, ...] = (),
    advice: bool = True,
) -> dict[str, Any]:
    """A directory service (borough-wide unless `localities`), with its response targets."""
    characteristic = [
        {"coding": [{"system": f"{CODES}/locality", "code": code}]} for code in localities
    ]
    if advice:
        characteristic.append(
            {
                "coding": [
                    {
                        "system": f"{CODES}/service-characteristic",
                        "code": "advice-and-guidance",
                    }
                ]
            }
        )
    body: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "active": True,
        "providedBy": {"identifier": {"system": ODS_SYSTEM, "value": provider}},
        "specialty": [{"coding": [specialty or SPECIALTY]}],
        "name": f"Service {uuid.uuid4().hex[:6]}",
        "characteristic": characteristic,
    }
    if targets:
        body["extension"] = [
            {
                "url": f"{EXTENSIONS}/response-target",
                "extension": [
                    {"url": "priority", "valueCode": priority},
                    {"url": "workingDays", "valuePositiveInt": days},
                ],
            }
            for priority, days in targets.items()
        ]
    return body


def advice_line(locality: str, phone: str = "01632 960101") -> dict[str, Any]:
    """An elderly-care advice line (phone, one locality) in the directory."""
    return {
        "resourceType": "HealthcareService",
        "active": True,
        "type": [{"coding": [{"system": f"{CODES}/service-type", "code": "advice-line"}]}],
        "specialty": [{"coding": [{"system": "http://snomed.info/sct", "code": "394811001"}]}],
        "characteristic": [{"coding": [{"system": f"{CODES}/locality", "code": locality}]}],
        "telecom": [{"system": "phone", "value": phone}],
        "name": f"Elderly care advice line {locality}",
    }


def on_call(line: str, name: str, rank: int, *times: dict[str, Any]) -> dict[str, Any]:
    """An on-call specialist of `line`, rung `rank`th, at `times` (availableTime)."""
    return {
        "resourceType": "PractitionerRole",
        "active": True,
        "practitioner": {"display": name},
        "healthcareService": [{"reference": line}],
        "telecom": [{"system": "phone", "value": f"07700 900{rank:03d}"}],
        "availableTime": list(times),
        "extension": [{"url": f"{EXTENSIONS}/ringing-order", "valuePositiveInt": rank}],
    }
