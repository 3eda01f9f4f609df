"""The FHIR resources the portal serves, and how each is searched.

Patients' messages and their routing (Communication, CommunicationRequest), consent,
and the AuditEvent trail. Subscription and Endpoint are the subscriptions face's
(`faces/subscriptions.py`).
"""

from __future__ import annotations

from carecoord_shared.fhir.registry import (
    READ_ONLY,
    Interaction,
    ResourceDefinition,
    SearchParam,
    patient_record,
)
from carecoord_shared.fhir.standard_params import standard_params


def resources(_context: object) -> tuple[ResourceDefinition, ...]:
    return (
        patient_record(
            "Communication",
            "Communication.subject",
            "A message from or to a patient through the single front door.",
            (
                SearchParam("identifier", "token", "Communication.identifier"),
                *standard_params(
                    "Communication",
                    "status",
                    "category",
                    ("based-on", ("CommunicationRequest",)),
                    "sent",
                ),
            ),
            subject=False,
        ),
        patient_record(
            "CommunicationRequest",
            "CommunicationRequest.subject",
            "A request routed to a team, or a proactive contact of a cohort.",
            (
                SearchParam("status", "token", "CommunicationRequest.status"),
                SearchParam("priority", "token", "CommunicationRequest.priority"),
                SearchParam(
                    "recipient",
                    "reference",
                    "CommunicationRequest.recipient",
                    ("Organization", "CareTeam", "HealthcareService", "PractitionerRole"),
                ),
                SearchParam("authored", "date", "CommunicationRequest.authoredOn"),
            ),
            subject=False,
            patient_required=False,
        ),
        patient_record(
            "Consent",
            "Consent.patient",
            "A patient's consent to sharing.",
            (SearchParam("status", "token", "Consent.status"),),
            subject=False,
            patient_required=False,
        ),
        patient_record(
            "Task",
            "Task.for",
            "Work the portal creates for staff: the duty clinician's urgent callback after a "
            "red flag (priority stat, for the patient; updated when the callback is recorded) "
            "and a partner admin's subscription that ran out of retries.",
            (
                *standard_params("Task", "identifier", "status", "priority", "code"),
                SearchParam("owner", "reference", "Task.owner"),
                *standard_params(
                    "Task", ("focus", ("Subscription", "CommunicationRequest")), "authored-on"
                ),
            ),
            subject=False,
            patient_required=False,
            interactions=READ_ONLY | {Interaction.UPDATE},
        ),
    )
