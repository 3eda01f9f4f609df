"""Minimal valid R4 bodies for the types that are not about a patient.

The matrix needs them as the targets of `_revinclude` (a HealthcareService a request
is sent to, the MDT a case Task is owned by) and the fuzz run mutates every type a
service lets clients write, configuration included. Kept apart from `bodies` (the
types about a patient) so each module stays one idea.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.access.bodies import LOCAL, P1, SNOMED, Body, about, coded, ods, valid


def organization() -> Body:
    return {
        "resourceType": "Organization",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": P1}],
        "name": "Access Matrix Practice",
        "type": [coded("prov")],
        "active": True,
    }


def healthcare_service() -> Body:
    return {
        "resourceType": "HealthcareService",
        "identifier": [{"system": LOCAL, "value": "hs-1"}],
        "active": True,
        "name": "Respiratory advice",
        "providedBy": ods("Y0T001"),
        "specialty": [coded("394594003", SNOMED)],
        "category": [coded("advice")],
        "type": [coded("advice-line")],
        "characteristic": [coded("advice-and-guidance")],
    }


def practitioner_role() -> Body:
    return {
        "resourceType": "PractitionerRole",
        "identifier": [{"system": LOCAL, "value": "pr-1"}],
        "active": True,
        "practitioner": {"display": "Dr On Call"},
        "code": [coded("consultant")],
        "specialty": [coded("394594003", SNOMED)],
        "organization": ods("Y0T001"),
        "telecom": [{"system": "phone", "value": "01632 960101"}],
    }


def mdt_team() -> Body:
    """An MDT (a CareTeam about no patient) with the legitimate GP as its chair."""
    membership = "https://carecoord.example/fhir/CodeSystem/mdt-membership"
    return {
        "resourceType": "CareTeam",
        "identifier": [{"system": LOCAL, "value": "mdt-1"}],
        "status": "active",
        "name": "North locality MDT",
        "category": [coded("mdt-locality", "https://carecoord.example/fhir/CodeSystem/mdt")],
        "extension": [
            {
                "url": "https://carecoord.example/fhir/StructureDefinition/mdt-locality",
                "valueString": "north",
            }
        ],
        "managingOrganization": [ods(P1)],
        "participant": [
            {
                "member": {
                    "identifier": {"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": CHAIR},
                    "display": "GP",
                },
                "role": [
                    {
                        "coding": [
                            {"system": membership, "code": "core"},
                            {"system": membership, "code": "chair"},
                        ]
                    }
                ],
            }
        ],
    }


CHAIR = "sds-chair-1"
"""The legitimate GP's user id: chair of the MDT the matrix creates."""


def endpoint() -> Body:
    return {
        "resourceType": "Endpoint",
        "status": "active",
        "name": "Partner webhook",
        "connectionType": {
            "system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
            "code": "hl7-fhir-rest",
        },
        "payloadType": [coded("any")],
        "address": "https://partner.example/webhook",
    }


def subscription() -> Body:
    return {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "Tell the partner about new referrals",
        "criteria": "https://carecoord.example/fhir/SubscriptionTopic/referral-submitted",
        "channel": {
            "type": "rest-hook",
            "endpoint": "https://partner.example/webhook",
            "payload": "application/fhir+json",
        },
    }


def _simple(resource_type: str, **fields: Any) -> Callable[[], Body]:
    return lambda: {"resourceType": resource_type, **fields}


NOT_ABOUT_A_PATIENT: dict[str, Callable[[], Body]] = {
    "Organization": organization,
    "HealthcareService": healthcare_service,
    "PractitionerRole": practitioner_role,
    "CareTeam": mdt_team,
    "Endpoint": endpoint,
    "Subscription": subscription,
    "Measure": _simple("Measure", status="active", url=f"{LOCAL}/Measure/m1"),
    "Appointment": _simple(
        "Appointment",
        status="booked",
        start="2026-01-05T09:30:00Z",
        end="2026-01-05T10:30:00Z",
        participant=[{"actor": {"display": "MDT"}, "status": "accepted"}],
    ),
    "Encounter": _simple(
        "Encounter",
        status="finished",
        **{"class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR"}},
    ),
    "List": _simple("List", status="current", mode="working", title="Case list"),
}


def body_for(resource_type: str, about_a_patient: bool, nhs: str) -> Body:
    """A valid body of `resource_type`: about `nhs` when the service says the type is
    about a patient, else configuration."""
    if about_a_patient:
        return about(resource_type, nhs)
    return valid(NOT_ABOUT_A_PATIENT[resource_type]())
