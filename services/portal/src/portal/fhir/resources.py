"""The FHIR resources the portal serves, and how each is searched.

Patients' messages and their routing (Communication, CommunicationRequest), consent,
partner endpoints and topic-based Subscriptions, and the AuditEvent trail.
"""

from __future__ import annotations

from carecoord_shared.fhir.registry import ResourceDefinition, SearchParam, nhs_number_at


def resources(_context: object) -> tuple[ResourceDefinition, ...]:
    return (
        ResourceDefinition(
            "Communication",
            documentation="A message from or to a patient through the single front door.",
            patient_nhs=nhs_number_at("Communication.subject"),
            search_params=(
                SearchParam("status", "token", "Communication.status"),
                SearchParam("category", "token", "Communication.category"),
                SearchParam("patient", "reference", "Communication.subject", ("Patient",)),
                SearchParam("sent", "date", "Communication.sent"),
            ),
        ),
        ResourceDefinition(
            "CommunicationRequest",
            documentation="A request routed to a team, or a proactive contact of a cohort.",
            patient_nhs=nhs_number_at("CommunicationRequest.subject"),
            search_params=(
                SearchParam("status", "token", "CommunicationRequest.status"),
                SearchParam("priority", "token", "CommunicationRequest.priority"),
                SearchParam("patient", "reference", "CommunicationRequest.subject", ("Patient",)),
                SearchParam(
                    "recipient",
                    "reference",
                    "CommunicationRequest.recipient",
                    ("Organization", "CareTeam", "HealthcareService", "PractitionerRole"),
                ),
                SearchParam("authored", "date", "CommunicationRequest.authoredOn"),
            ),
        ),
        ResourceDefinition(
            "Consent",
            documentation="A patient's consent to sharing.",
            patient_nhs=nhs_number_at("Consent.patient"),
            search_params=(
                SearchParam("status", "token", "Consent.status"),
                SearchParam("patient", "reference", "Consent.patient", ("Patient",)),
            ),
        ),
        ResourceDefinition(
            "Endpoint",
            documentation="Partner and portal endpoints.",
            search_params=(
                SearchParam("status", "token", "Endpoint.status"),
                SearchParam("name", "string", "Endpoint.name"),
                SearchParam("connection-type", "token", "Endpoint.connectionType"),
            ),
        ),
        ResourceDefinition(
            "Subscription",
            documentation="Topic-based subscriptions (Subscriptions Backport IG) for partners.",
            search_params=(
                SearchParam("status", "token", "Subscription.status"),
                SearchParam("url", "string", "Subscription.channel.endpoint"),
            ),
        ),
    )
