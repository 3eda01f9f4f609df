"""care_plans' events as care_plans publishes them, for the consumers' tests.

The co-ordinator assignment and the care plan revision the paramedic summary is
projected from: the unit tests hand them to the consumers on the in-memory world,
the integration tests publish them on care_plans' topic for the real worker.
"""

from __future__ import annotations

from carecoord_shared.events import Event, new_event


def coordinator_assigned(nhs: str, display: str = "Sam Carter") -> Event:
    """care_plans names `display` the patient's care co-ordinator."""
    return new_event(
        "carecoord.coordinator.assigned.v1",
        source="urn:carecoord:care-plans",
        subject="CareTeam/ct1",
        nhs_number=nhs,
        data={
            "nhsNumber": nhs,
            "patient": "Patient/p1",
            "careTeam": "CareTeam/ct1",
            "coordinator": {
                "reference": "PractitionerRole/c1",
                "display": display,
                "sdsUserId": "555000000101",
                "phone": "01632 960500",
            },
            "kind": "named-care-coordinator",
            "cover": False,
            "period": {"start": "2026-01-01"},
            "previous": None,
        },
    )


def care_plan_revised(
    nhs: str, version: int = 2, title: str = "Living well with heart failure"
) -> Event:
    """care_plans revises the patient's plan (to `version`): DNACPR, to die at home."""
    return new_event(
        "carecoord.careplan.revised.v1",
        source="urn:carecoord:care-plans",
        subject="CarePlan/cp1",
        nhs_number=nhs,
        data={
            "nhsNumber": nhs,
            "carePlan": "CarePlan/cp1",
            "versionId": version,
            "status": "active",
            "title": title,
            "description": "Daily weights",
            "nextReviewDue": "2026-09-01",
            "endOfLife": {
                "preferredPlaceOfCare": "Home",
                "preferredPlaceOfDeath": "Home",
                "resuscitation": {
                    "decision": "DNACPR",
                    "decidedBy": "Dr Lee",
                    "decidedOn": "2026-02-01",
                },
                "keyContacts": [],
            },
            "contributor": {"organisation": "A81001", "user": "u1"},
        },
    )
