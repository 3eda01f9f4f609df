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
    Validator,
    Write,
    WriteHandler,
    patient_record,
)
from carecoord_shared.fhir.standard_params import TASK_WINDOW, standard_params
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


def _directory_entry(
    type_: str, documentation: str, *search: SearchParam, validators: tuple[Validator, ...] = ()
) -> ResourceDefinition:
    """A directory type: about no patient, written by directory administrators only."""
    return ResourceDefinition(
        type_,
        documentation=f"{documentation} (written by directory administrators only).",
        narrative=True,
        search_params=search,
        validators=validators,
    )


def organisation_named(organisation: JsonObject) -> list[Issue]:
    """FHIR invariant org-1: an Organization has at least a name or an identifier."""
    if organisation.get("name") or organisation.get("identifier"):
        return []
    text = "An Organization needs a name or an identifier (FHIR invariant org-1)"
    return [Issue("required", text, ("Organization.name",))]


_TRIAGE_STATE = f"ServiceRequest.extension.where(url='{TRIAGE_STATE_EXTENSION}').value"

SERVICE_REQUEST = patient_record(
    "ServiceRequest",
    "ServiceRequest.subject",
    "An advice & guidance request (category A&G) or a referral.",
    (
        _token("identifier", "ServiceRequest.identifier", "UBRN"),
        *standard_params(
            "ServiceRequest",
            "status",
            "intent",
            "category",
            "priority",
            "code",
            ("requester", _REQUESTERS),
            ("performer", _OWNERS),
            "performer-type",
            ("replaces", ("ServiceRequest",)),
            "authored",
        ),
        SearchParam("text", "string", "ServiceRequest.note.text"),
        _token("triage-state", _TRIAGE_STATE, "Where the request is in triage (whose turn it is)"),
    ),
    validators=(submission_issues,),
)

TASK = patient_record(
    "Task",
    "Task.for",
    "Triage work item: owner, businessStatus, due in restriction.period.end.",
    (
        *standard_params(
            "Task",
            "identifier",
            "status",
            "priority",
            "code",
            "business-status",
            ("focus", ("ServiceRequest",)),
            ("owner", _OWNERS),
            ("requester", _REQUESTERS),
            ("part-of", ("Task",)),
        ),
        TASK_WINDOW,  # the response window triage runs on
        SearchParam(
            "due",
            "date",
            "Task.restriction.period.end",
            documentation="When the response is due: `due=lt...` and `_sort=due` "
            "give a worklist in due order (`period` sorts by its start)",
        ),
        *standard_params("Task", "authored-on"),
    ),
)

COMMUNICATION = patient_record(
    "Communication",
    "Communication.subject",
    "One turn of an A&G conversation, or a recorded advice-line call.",
    (
        *standard_params(
            "Communication", "medium", "category", "status", ("based-on", ("ServiceRequest",))
        ),
        _ref("in-response-to", "Communication.inResponseTo", "Communication"),
        *standard_params("Communication", ("recipient", _OWNERS), "sent"),
    ),
)

DOCUMENT_REFERENCE = patient_record(
    "DocumentReference",
    "DocumentReference.subject",
    "An attachment of a request (letter, photo, result), size-limited.",
    (
        *standard_params(
            "DocumentReference", "type", "status", ("related", ("ServiceRequest",)), "date"
        ),
    ),
)

ORGANIZATION = _directory_entry(
    "Organization",
    "Organisations by ODS code",
    *standard_params("Organization", "identifier", "type", "active"),
    SearchParam("name", "string", "Organization.name"),  # R4's adds Organization.alias
    *standard_params("Organization", ("partof", ("Organization",))),
    validators=(organisation_named,),
)

HEALTHCARE_SERVICE = _directory_entry(
    "HealthcareService",
    "A specialty service or advice line in the directory, with its A&G offer and targets",
    *standard_params(
        "HealthcareService",
        "identifier",
        "specialty",
        "active",
        "characteristic",
        "service-category",
        "service-type",
        "name",
        ("organization", ("Organization",)),
    ),
)

PRACTITIONER_ROLE = _directory_entry(
    "PractitionerRole",
    "Triage clinicians and on-call specialists",
    *standard_params(
        "PractitionerRole",
        "identifier",
        "specialty",
        "active",
        "role",
        ("service", ("HealthcareService",)),
        ("organization", ("Organization",)),
        ("practitioner", ("Practitioner",)),
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
