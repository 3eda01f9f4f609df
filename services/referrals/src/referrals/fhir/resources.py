"""The FHIR resources the referrals service serves, and how each is searched.

Advice & guidance requests and referrals are ServiceRequests identified by UBRN;
their triage work items are Tasks; each turn of the conversation is a
Communication; the service directory is Organization, HealthcareService and
PractitionerRole. Patients are referred to by NHS number (logical references), as
GP systems and the NHS e-Referral Service do; a request, Task, Communication or
DocumentReference that names no patient this service can resolve is refused, never
stored as no one's. Every REST write first has its older URL spellings made canonical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from carecoord_shared.fhir.outcome import Issue, JsonObject
from carecoord_shared.fhir.registry import (
    ResourceDefinition,
    SearchParam,
    Write,
    WriteHandler,
    nhs_number_at,
)
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource
from referrals.domain.vocabulary import TRIAGE_STATE_EXTENSION
from referrals.fhir.attachments import attachment_rule
from referrals.fhir.canonical import canonical
from referrals.fhir.shapes import submission_issues

_REQUESTERS = ("PractitionerRole", "Organization", "Practitioner")
_OWNERS = ("HealthcareService", "PractitionerRole", "Organization")


def _ref(name: str, path: str, *targets: str) -> SearchParam:
    """A reference search parameter on `path`, to any of `targets`."""
    return SearchParam(name, "reference", path, targets)


def _token(name: str, path: str, documentation: str = "") -> SearchParam:
    return SearchParam(name, "token", path, documentation=documentation)


def organisation_named(organisation: JsonObject) -> list[Issue]:
    """FHIR invariant org-1: an Organization has at least a name or an identifier."""
    if organisation.get("name") or organisation.get("identifier"):
        return []
    text = "An Organization needs a name or an identifier (FHIR invariant org-1)"
    return [Issue("required", text, ("Organization.name",))]


SERVICE_REQUEST = ResourceDefinition(
    "ServiceRequest",
    documentation="An advice & guidance request (category A&G) or a referral.",
    patient_nhs=nhs_number_at("ServiceRequest.subject"),
    patient_required=True,
    narrative=True,
    validators=(submission_issues,),
    search_params=(
        _token("identifier", "ServiceRequest.identifier", "UBRN"),
        _ref("subject", "ServiceRequest.subject", "Patient"),
        _ref("patient", "ServiceRequest.subject", "Patient"),
        _token("status", "ServiceRequest.status"),
        _token("intent", "ServiceRequest.intent"),
        _token("category", "ServiceRequest.category"),
        _token("priority", "ServiceRequest.priority"),
        _token("code", "ServiceRequest.code"),
        _ref("requester", "ServiceRequest.requester", *_REQUESTERS),
        _ref("performer", "ServiceRequest.performer", *_OWNERS),
        _token("performer-type", "ServiceRequest.performerType"),
        _ref("replaces", "ServiceRequest.replaces", "ServiceRequest"),
        SearchParam("authored", "date", "ServiceRequest.authoredOn"),
        SearchParam("text", "string", "ServiceRequest.note.text"),
        _token(
            "triage-state",
            f"ServiceRequest.extension.where(url='{TRIAGE_STATE_EXTENSION}').value",
            "Where the request is in triage (whose turn it is)",
        ),
    ),
)

TASK = ResourceDefinition(
    "Task",
    documentation="Triage work item: owner, businessStatus, due in restriction.period.end.",
    patient_nhs=nhs_number_at("Task.for"),
    patient_required=True,
    narrative=True,
    search_params=(
        _token("identifier", "Task.identifier"),
        _token("status", "Task.status"),
        _token("business-status", "Task.businessStatus"),
        _token("priority", "Task.priority"),
        _token("code", "Task.code"),
        _ref("focus", "Task.focus", "ServiceRequest"),
        _ref("patient", "Task.for", "Patient"),
        _ref("subject", "Task.for", "Patient"),
        _ref("owner", "Task.owner", *_OWNERS),
        _ref("requester", "Task.requester", *_REQUESTERS),
        _ref("part-of", "Task.partOf", "Task"),
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
    patient_required=True,
    narrative=True,
    search_params=(
        _ref("based-on", "Communication.basedOn", "ServiceRequest"),
        _ref("patient", "Communication.subject", "Patient"),
        _ref("subject", "Communication.subject", "Patient"),
        SearchParam("sent", "date", "Communication.sent"),
        _ref("in-response-to", "Communication.inResponseTo", "Communication"),
        _ref("recipient", "Communication.recipient", *_OWNERS),
        _token("medium", "Communication.medium"),
        _token("category", "Communication.category"),
        _token("status", "Communication.status"),
    ),
)

DOCUMENT_REFERENCE = ResourceDefinition(
    "DocumentReference",
    documentation="An attachment of a request (letter, photo, result), size-limited.",
    patient_nhs=nhs_number_at("DocumentReference.subject"),
    patient_required=True,
    narrative=True,
    search_params=(
        _ref("patient", "DocumentReference.subject", "Patient"),
        _ref("subject", "DocumentReference.subject", "Patient"),
        _ref("related", "DocumentReference.context.related", "ServiceRequest"),
        _token("type", "DocumentReference.type"),
        _token("status", "DocumentReference.status"),
        SearchParam("date", "date", "DocumentReference.date"),
    ),
)

ORGANIZATION = ResourceDefinition(
    "Organization",
    documentation="Organisations by ODS code (written by directory administrators only).",
    narrative=True,
    validators=(organisation_named,),
    search_params=(
        _token("identifier", "Organization.identifier"),
        SearchParam("name", "string", "Organization.name"),
        _token("type", "Organization.type"),
        _token("active", "Organization.active"),
        _ref("partof", "Organization.partOf", "Organization"),
    ),
)

HEALTHCARE_SERVICE = ResourceDefinition(
    "HealthcareService",
    documentation="A specialty service or advice line in the directory, with its A&G offer "
    "and targets (written by directory administrators only).",
    narrative=True,
    search_params=(
        _token("identifier", "HealthcareService.identifier"),
        SearchParam("name", "string", "HealthcareService.name"),
        _token("specialty", "HealthcareService.specialty"),
        _token("service-category", "HealthcareService.category"),
        _token("service-type", "HealthcareService.type"),
        _token("active", "HealthcareService.active"),
        _token("characteristic", "HealthcareService.characteristic"),
        _ref("organization", "HealthcareService.providedBy", "Organization"),
    ),
)

PRACTITIONER_ROLE = ResourceDefinition(
    "PractitionerRole",
    documentation="Triage clinicians and on-call specialists (written by directory "
    "administrators only).",
    narrative=True,
    search_params=(
        _token("identifier", "PractitionerRole.identifier"),
        _token("role", "PractitionerRole.code"),
        _token("specialty", "PractitionerRole.specialty"),
        _token("active", "PractitionerRole.active"),
        _ref("service", "PractitionerRole.healthcareService", "HealthcareService"),
        _ref("organization", "PractitionerRole.organization", "Organization"),
        _ref("practitioner", "PractitionerRole.practitioner", "Practitioner"),
    ),
)


def _canonical_first(handler: WriteHandler | None) -> WriteHandler:
    """The type's write, after its body's older URL spellings are made canonical."""

    async def handle(tx: FhirTransaction, write: Write) -> tuple[StoredResource | None, bool]:
        if write.body is not None:
            canonical(write.body)
        if handler is not None:
            return await handler(tx, write)
        return await tx.store_write(write)

    return handle


def resources(
    max_attachment_bytes: int, writes: Mapping[str, WriteHandler]
) -> list[ResourceDefinition]:
    """Every type served; `writes` are the types whose REST writes do more than store
    (a submission numbers and routes a request, a message may restart the clock, only a
    directory administrator changes the directory)."""
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
    return [replace(d, writes=_canonical_first(writes.get(d.type))) for d in declared]
