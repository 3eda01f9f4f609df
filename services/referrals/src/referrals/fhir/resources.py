"""The FHIR resources the referrals service serves, and how each is searched.

Advice & guidance requests and referrals are ServiceRequests identified by UBRN;
their triage work items are Tasks; each turn of the conversation is a
Communication; the service directory is Organization, HealthcareService and
PractitionerRole. Patients are referred to by NHS number (logical references), as
GP systems and the NHS e-Referral Service do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from carecoord_shared.fhir.registry import (
    ResourceDefinition,
    SearchParam,
    WriteHandler,
    nhs_number_at,
)
from referrals.domain.vocabulary import TRIAGE_STATE_EXTENSION
from referrals.fhir.attachments import attachment_rule
from referrals.fhir.shapes import submission_issues

_REQUESTERS = ("PractitionerRole", "Organization", "Practitioner")
_OWNERS = ("HealthcareService", "PractitionerRole", "Organization")


def _ref(name: str, path: str, *targets: str) -> SearchParam:
    """A reference search parameter on `path`, to any of `targets`."""
    return SearchParam(name, "reference", path, targets)


SERVICE_REQUEST = ResourceDefinition(
    "ServiceRequest",
    documentation="An advice & guidance request (category A&G) or a referral.",
    patient_nhs=nhs_number_at("ServiceRequest.subject"),
    validators=(submission_issues,),
    search_params=(
        SearchParam("identifier", "token", "ServiceRequest.identifier", documentation="UBRN"),
        _ref("subject", "ServiceRequest.subject", "Patient"),
        _ref("patient", "ServiceRequest.subject", "Patient"),
        SearchParam("status", "token", "ServiceRequest.status"),
        SearchParam("intent", "token", "ServiceRequest.intent"),
        SearchParam("category", "token", "ServiceRequest.category"),
        SearchParam("priority", "token", "ServiceRequest.priority"),
        SearchParam("code", "token", "ServiceRequest.code"),
        _ref("requester", "ServiceRequest.requester", *_REQUESTERS),
        _ref("performer", "ServiceRequest.performer", *_OWNERS),
        _ref("replaces", "ServiceRequest.replaces", "ServiceRequest"),
        SearchParam("authored", "date", "ServiceRequest.authoredOn"),
        SearchParam("text", "string", "ServiceRequest.note.text"),
        SearchParam(
            "triage-state",
            "token",
            f"ServiceRequest.extension.where(url='{TRIAGE_STATE_EXTENSION}').value",
            documentation="Where the request is in triage (whose turn it is)",
        ),
    ),
)

TASK = ResourceDefinition(
    "Task",
    documentation="Triage work item: owner, businessStatus, due in restriction.period.end.",
    patient_nhs=nhs_number_at("Task.for"),
    search_params=(
        SearchParam("identifier", "token", "Task.identifier"),
        SearchParam("status", "token", "Task.status"),
        SearchParam("business-status", "token", "Task.businessStatus"),
        SearchParam("priority", "token", "Task.priority"),
        SearchParam("code", "token", "Task.code"),
        _ref("focus", "Task.focus", "ServiceRequest"),
        _ref("patient", "Task.for", "Patient"),
        _ref("owner", "Task.owner", *_OWNERS),
        _ref("requester", "Task.requester", *_REQUESTERS),
        SearchParam("period", "date", "Task.restriction.period"),
        SearchParam(
            "due",
            "date",
            "Task.restriction.period.end",
            documentation="When the response is due: `due=lt...` and `_sort=due` "
            "give a worklist in due order (`period` sorts by its start)",
        ),
        SearchParam("authored-on", "date", "Task.authoredOn"),
    ),
)

COMMUNICATION = ResourceDefinition(
    "Communication",
    documentation="One turn of an A&G conversation, or a recorded advice-line call.",
    patient_nhs=nhs_number_at("Communication.subject"),
    search_params=(
        _ref("based-on", "Communication.basedOn", "ServiceRequest"),
        _ref("patient", "Communication.subject", "Patient"),
        SearchParam("sent", "date", "Communication.sent"),
        _ref("in-response-to", "Communication.inResponseTo", "Communication"),
        SearchParam("medium", "token", "Communication.medium"),
        SearchParam("category", "token", "Communication.category"),
    ),
)

DOCUMENT_REFERENCE = ResourceDefinition(
    "DocumentReference",
    documentation="An attachment of a request (letter, photo, result), size-limited.",
    patient_nhs=nhs_number_at("DocumentReference.subject"),
    search_params=(
        _ref("patient", "DocumentReference.subject", "Patient"),
        _ref("related", "DocumentReference.context.related", "ServiceRequest"),
        SearchParam("type", "token", "DocumentReference.type"),
        SearchParam("date", "date", "DocumentReference.date"),
    ),
)

ORGANIZATION = ResourceDefinition(
    "Organization",
    documentation="Organisations by ODS code.",
    search_params=(
        SearchParam("identifier", "token", "Organization.identifier"),
        SearchParam("name", "string", "Organization.name"),
        SearchParam("type", "token", "Organization.type"),
    ),
)

HEALTHCARE_SERVICE = ResourceDefinition(
    "HealthcareService",
    documentation="A specialty service in the directory, with its A&G offer and targets.",
    search_params=(
        SearchParam("identifier", "token", "HealthcareService.identifier"),
        SearchParam("name", "string", "HealthcareService.name"),
        SearchParam("specialty", "token", "HealthcareService.specialty"),
        SearchParam("service-category", "token", "HealthcareService.category"),
        SearchParam("service-type", "token", "HealthcareService.type"),
        SearchParam("active", "token", "HealthcareService.active"),
        SearchParam("characteristic", "token", "HealthcareService.characteristic"),
        _ref("organization", "HealthcareService.providedBy", "Organization"),
    ),
)

PRACTITIONER_ROLE = ResourceDefinition(
    "PractitionerRole",
    documentation="Triage clinicians and on-call specialists.",
    search_params=(
        SearchParam("identifier", "token", "PractitionerRole.identifier"),
        SearchParam("role", "token", "PractitionerRole.code"),
        SearchParam("specialty", "token", "PractitionerRole.specialty"),
        _ref("service", "PractitionerRole.healthcareService", "HealthcareService"),
        _ref("organization", "PractitionerRole.organization", "Organization"),
    ),
)


def resources(
    max_attachment_bytes: int, writes: Mapping[str, WriteHandler]
) -> list[ResourceDefinition]:
    """Every type served; `writes` are the types whose REST writes do more than store
    (a submission numbers and routes a request, a message may restart the clock)."""
    documents = replace(DOCUMENT_REFERENCE, validators=(attachment_rule(max_attachment_bytes),))
    declared = [
        SERVICE_REQUEST,
        TASK,
        COMMUNICATION,
        documents,
        ORGANIZATION,
        HEALTHCARE_SERVICE,
        PRACTITIONER_ROLE,
    ]
    return [replace(d, writes=writes.get(d.type)) for d in declared]
