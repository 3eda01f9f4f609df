"""The FHIR resources the referrals service serves, and how each is searched.

Advice & guidance requests and referrals are ServiceRequests identified by UBRN;
their triage work items are Tasks; each turn of the conversation is a
Communication; the service directory is Organization, HealthcareService and
PractitionerRole. Patients are referred to by NHS number (logical references), as
GP systems and the NHS e-Referral Service do.
"""

from __future__ import annotations

from functools import partial

from carecoord_shared.fhir.registry import (
    FhirRegistry,
    ResourceDefinition,
    SearchParam,
    nhs_number_at,
)
from referrals.service.attachments import attachment_rule
from referrals.service.changes import announce_service_request_change
from referrals.service.context import Referrals
from referrals.service.conversation import on_communication
from referrals.service.shapes import TRIAGE_STATE_EXTENSION, submission_issues

_REQUESTERS = ("PractitionerRole", "Organization", "Practitioner")


def build_registry(ctx: Referrals) -> FhirRegistry:
    registry = FhirRegistry("referrals")
    return registry.add(
        ResourceDefinition(
            "ServiceRequest",
            documentation="An advice & guidance request (category A&G) or a referral.",
            patient_nhs=nhs_number_at("ServiceRequest.subject"),
            on_change=partial(announce_service_request_change, topic=ctx.topic),
            validators=(submission_issues,),
            search_params=(
                SearchParam(
                    "identifier", "token", "ServiceRequest.identifier", documentation="UBRN"
                ),
                SearchParam("subject", "reference", "ServiceRequest.subject", ("Patient",)),
                SearchParam("patient", "reference", "ServiceRequest.subject", ("Patient",)),
                SearchParam("status", "token", "ServiceRequest.status"),
                SearchParam("intent", "token", "ServiceRequest.intent"),
                SearchParam("category", "token", "ServiceRequest.category"),
                SearchParam("priority", "token", "ServiceRequest.priority"),
                SearchParam("code", "token", "ServiceRequest.code"),
                SearchParam("requester", "reference", "ServiceRequest.requester", _REQUESTERS),
                SearchParam(
                    "performer",
                    "reference",
                    "ServiceRequest.performer",
                    ("HealthcareService", "PractitionerRole", "Organization"),
                ),
                SearchParam(
                    "replaces", "reference", "ServiceRequest.replaces", ("ServiceRequest",)
                ),
                SearchParam("authored", "date", "ServiceRequest.authoredOn"),
                SearchParam("text", "string", "ServiceRequest.note.text"),
                SearchParam(
                    "triage-state",
                    "token",
                    f"ServiceRequest.extension.where(url='{TRIAGE_STATE_EXTENSION}').value",
                    documentation="Where the request is in triage (whose turn it is)",
                ),
            ),
        ),
        ResourceDefinition(
            "Task",
            documentation="Triage work item: owner, businessStatus, due in restriction.period.end.",
            patient_nhs=nhs_number_at("Task.for"),
            search_params=(
                SearchParam("identifier", "token", "Task.identifier"),
                SearchParam("status", "token", "Task.status"),
                SearchParam("business-status", "token", "Task.businessStatus"),
                SearchParam("priority", "token", "Task.priority"),
                SearchParam("code", "token", "Task.code"),
                SearchParam("focus", "reference", "Task.focus", ("ServiceRequest",)),
                SearchParam("patient", "reference", "Task.for", ("Patient",)),
                SearchParam(
                    "owner",
                    "reference",
                    "Task.owner",
                    ("HealthcareService", "PractitionerRole", "Organization"),
                ),
                SearchParam("requester", "reference", "Task.requester", _REQUESTERS),
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
        ),
        ResourceDefinition(
            "Communication",
            documentation="One turn of an A&G conversation, or a recorded advice-line call.",
            patient_nhs=nhs_number_at("Communication.subject"),
            on_change=partial(on_communication, ctx=ctx, registry=registry),
            search_params=(
                SearchParam("based-on", "reference", "Communication.basedOn", ("ServiceRequest",)),
                SearchParam("patient", "reference", "Communication.subject", ("Patient",)),
                SearchParam("sent", "date", "Communication.sent"),
                SearchParam(
                    "in-response-to",
                    "reference",
                    "Communication.inResponseTo",
                    ("Communication",),
                ),
                SearchParam("medium", "token", "Communication.medium"),
                SearchParam("category", "token", "Communication.category"),
            ),
        ),
        ResourceDefinition(
            "DocumentReference",
            documentation="An attachment of a request (letter, photo, result), size-limited.",
            patient_nhs=nhs_number_at("DocumentReference.subject"),
            validators=(attachment_rule(ctx.max_attachment_bytes),),
            search_params=(
                SearchParam("patient", "reference", "DocumentReference.subject", ("Patient",)),
                SearchParam(
                    "related",
                    "reference",
                    "DocumentReference.context.related",
                    ("ServiceRequest",),
                ),
                SearchParam("type", "token", "DocumentReference.type"),
                SearchParam("date", "date", "DocumentReference.date"),
            ),
        ),
        ResourceDefinition(
            "Organization",
            documentation="Organisations by ODS code.",
            search_params=(
                SearchParam("identifier", "token", "Organization.identifier"),
                SearchParam("name", "string", "Organization.name"),
                SearchParam("type", "token", "Organization.type"),
            ),
        ),
        ResourceDefinition(
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
                SearchParam(
                    "organization", "reference", "HealthcareService.providedBy", ("Organization",)
                ),
            ),
        ),
        ResourceDefinition(
            "PractitionerRole",
            documentation="Triage clinicians and on-call specialists.",
            search_params=(
                SearchParam("identifier", "token", "PractitionerRole.identifier"),
                SearchParam("role", "token", "PractitionerRole.code"),
                SearchParam("specialty", "token", "PractitionerRole.specialty"),
                SearchParam(
                    "service",
                    "reference",
                    "PractitionerRole.healthcareService",
                    ("HealthcareService",),
                ),
                SearchParam(
                    "organization", "reference", "PractitionerRole.organization", ("Organization",)
                ),
            ),
        ),
    )
