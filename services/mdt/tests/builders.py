"""Building what the mdt tests send: FHIR bodies, Parameters, events, identifiers.

Plain values, shared by the HTTP tests (`conftest.Mdt`) and the unit tests on fakes
(`tests/units.py`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from carecoord_shared.events import Event, new_event

CHAIR, NURSE, OUTSIDER = "sds-chair-1", "sds-nurse-1", "sds-outsider-1"
BASE_URL = "http://mdt.test"
FHIR_JSON = "application/fhir+json"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
SDS = "https://fhir.nhs.uk/Id/sds-user-id"
PRACTICE_A = "A81001"
PRACTICE_B = "B82002"
ROOT = "https://fhir.carecoord.example"
CODES = f"{ROOT}/CodeSystem/mdt"
MEMBERSHIP = f"{ROOT}/CodeSystem/mdt-membership"


def an_event(kind: str, nhs: str, /, **data: Any) -> Event:
    """A `carecoord.<kind>.v1` event about the patient `nhs`, as its producer writes it."""
    return new_event(
        f"carecoord.{kind}.v1",
        source="urn:test",
        subject=f"Patient/{nhs}",
        data={"nhsNumber": nhs, **data},
        nhs_number=nhs,
    )


def parameters(*items: tuple[str, str, Any]) -> dict[str, Any]:
    """`("reason", "valueString", "x")`, ... as a FHIR Parameters resource."""
    return {"resourceType": "Parameters", "parameter": [{"name": n, k: v} for n, k, v in items]}


def patient_param(nhs: str) -> tuple[str, str, Any]:
    return ("patient", "valueIdentifier", {"system": NHS, "value": nhs})


def member(user: str, membership: str, *, chair: bool = False, title: str = "GP") -> dict[str, Any]:
    codes = [{"system": MEMBERSHIP, "code": membership}]
    if chair:
        codes.append({"system": MEMBERSHIP, "code": "chair"})
    return {
        "member": {"identifier": {"system": SDS, "value": user}, "display": title},
        "role": [{"coding": codes, "text": title}],
    }


def team_body(
    practices: tuple[str, ...] = (PRACTICE_A,), members: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "resourceType": "CareTeam",
        "status": "active",
        "name": "North locality MDT",
        "category": [{"coding": [{"system": CODES, "code": "mdt-locality"}]}],
        "extension": [
            {
                "url": f"{ROOT}/StructureDefinition/mdt-locality",
                "valueString": "north",
            }
        ],
        "managingOrganization": [{"identifier": {"system": ODS, "value": p}} for p in practices],
        "participant": members
        or [
            member(CHAIR, "core", chair=True),
            member(NURSE, "core", title="Community nurse"),
        ],
    }


def action(description: str, kind: str, due: date, **owner: Any) -> dict[str, Any]:
    part: list[dict[str, Any]] = [
        {"name": "description", "valueString": description},
        {"name": "ownerKind", "valueCode": kind},
        {"name": "dueOn", "valueDate": due.isoformat()},
    ]
    if "practice" in owner:
        part.append(
            {
                "name": "ownerOrganisation",
                "valueIdentifier": {"system": ODS, "value": owner["practice"]},
            }
        )
    if "display" in owner:
        part.append({"name": "ownerDisplay", "valueString": owner["display"]})
    if "reference" in owner:
        part.append({"name": "owner", "valueReference": {"reference": owner["reference"]}})
    return {"name": "action", "part": part}
