"""Minimal valid R4 bodies for every type the four services declare.

The access matrix stores these directly through the kernel's store (so no service
rule gets in the way) and the fuzz run mutates them, so each must be valid R4 on its
own (`valid`, with `fhir.resources`, the project's validator) and must give a value
to as many of its type's search parameters as it can: the matrix searches each one
with a value taken from the body. `refs` places a reference for a reference search
parameter (by its name) so `_include` and `_revinclude` have something to follow;
`nhs` is the patient the body is about, by NHS number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from care_plans.fhir.vocabulary import EXT_CO_DEVELOPMENT, PLAN_KIND_SYSTEM
from referrals.domain import vocabulary as referrals_vocabulary

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
SNOMED = "http://snomed.info/sct"
LOCAL = "https://carecoord.example/access-matrix"
P1, P2 = "A81001", "B82002"
"""Patient A's registered practice, and the practice of patient B (and the wrong GP)."""

Body = dict[str, Any]
Refs = Mapping[str, str]


def coded(code: str, system: str = LOCAL) -> Body:
    return {"coding": [{"system": system, "code": code}], "text": code}


def ods(code: str = P1) -> Body:
    return {"identifier": {"system": ODS, "value": code}}


def patient_ref(nhs: str, refs: Refs, *names: str) -> Body:
    """The patient by NHS number, and by reference too when a search parameter on
    this element (`patient`, `subject`, `for`) is given one."""
    reference: Body = {"identifier": {"system": NHS, "value": nhs}}
    for name in names:
        if name in refs:
            reference["reference"] = refs[name]
    return reference


def ref(refs: Refs, name: str, fallback: Body | None = None) -> Body | None:
    return {"reference": refs[name]} if name in refs else fallback


def _drop_none(body: Body) -> Body:
    return {k: v for k, v in body.items() if v not in (None, [None])}


def service_request(nhs: str, refs: Refs) -> Body:
    vocabulary = referrals_vocabulary
    return _drop_none(
        {
            "resourceType": "ServiceRequest",
            "identifier": [{"system": vocabulary.UBRN_SYSTEM, "value": f"UBRN{nhs}"}],
            "status": "active",
            "intent": "order",
            "category": [coded("advice-and-guidance", vocabulary.REQUEST_CATEGORY)],
            "priority": "routine",
            "code": coded("3457005", SNOMED),
            "subject": patient_ref(nhs, refs, "subject", "patient"),
            "requester": ref(refs, "requester", ods()),
            "performer": [ref(refs, "performer")],
            "replaces": [ref(refs, "replaces")],
            "authoredOn": "2026-01-05T09:30:00Z",
            "note": [{"text": "Breathless on exertion"}],
            "extension": [
                {"url": vocabulary.TRIAGE_STATE_EXTENSION, "valueCode": "awaiting-triage"}
            ],
        }
    )


def task(nhs: str, refs: Refs) -> Body:
    return _drop_none(
        {
            "resourceType": "Task",
            "identifier": [{"system": LOCAL, "value": f"task-{nhs}"}],
            "status": "requested",
            "intent": "order",
            "businessStatus": coded("listed"),
            "priority": "routine",
            "code": coded("review"),
            "focus": ref(refs, "focus"),
            "for": patient_ref(nhs, refs, "patient"),
            "owner": ref(refs, "owner", ods()),
            "requester": ref(refs, "requester", ods()),
            "partOf": [ref(refs, "part-of")],
            "authoredOn": "2026-01-05T09:30:00Z",
            "restriction": {"period": {"start": "2026-01-05", "end": "2026-01-19"}},
        }
    )


def communication(nhs: str, refs: Refs) -> Body:
    return _drop_none(
        {
            "resourceType": "Communication",
            "status": "completed",
            "category": [coded("message")],
            "medium": [
                coded("WRITTEN", "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode")
            ],
            "subject": patient_ref(nhs, refs, "patient"),
            "basedOn": [ref(refs, "based-on")],
            "inResponseTo": [ref(refs, "in-response-to")],
            "recipient": [ref(refs, "recipient")],
            "sent": "2026-01-05T09:30:00Z",
            "payload": [{"contentString": "Please call me about my appointment"}],
        }
    )


def communication_request(nhs: str, refs: Refs) -> Body:
    return _drop_none(
        {
            "resourceType": "CommunicationRequest",
            "status": "active",
            "priority": "routine",
            "subject": patient_ref(nhs, refs, "patient"),
            "recipient": [ref(refs, "recipient", ods())],
            "authoredOn": "2026-01-05T09:30:00Z",
            "payload": [{"contentString": "Please contact the patient"}],
        }
    )


def document_reference(nhs: str, refs: Refs) -> Body:
    related = ref(refs, "related")
    return _drop_none(
        {
            "resourceType": "DocumentReference",
            "status": "current",
            "type": coded("letter"),
            "subject": patient_ref(nhs, refs, "patient"),
            "date": "2026-01-05T09:30:00Z",
            "content": [{"attachment": {"contentType": "text/plain", "data": "aGVsbG8="}}],
            "context": {"related": [related]} if related else None,
        }
    )


def patient(nhs: str, refs: Refs) -> Body:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": nhs}],
        "name": [{"family": "Example", "given": ["Pat"]}],
        "gender": "female",
        "birthDate": "1940-02-03",
        "generalPractitioner": [ref(refs, "general-practitioner", ods())],
    }


def condition(nhs: str, refs: Refs) -> Body:
    return {
        "resourceType": "Condition",
        "clinicalStatus": coded(
            "active", "http://terminology.hl7.org/CodeSystem/condition-clinical"
        ),
        "category": [coded("problem-list-item")],
        "code": coded("44054006", SNOMED),
        "subject": patient_ref(nhs, refs, "patient", "subject"),
        "onsetDateTime": "2020-04-01",
    }


def care_plan(nhs: str, refs: Refs) -> Body:
    activity = ref(refs, "activity-reference")
    return _drop_none(
        {
            "resourceType": "CarePlan",
            "status": "active",
            "intent": "plan",
            "title": "My care and support plan",
            "category": [coded("comprehensive", PLAN_KIND_SYSTEM)],
            "subject": patient_ref(nhs, refs, "patient", "subject"),
            "period": {"start": "2026-01-05"},
            "goal": [ref(refs, "goal")],
            "careTeam": [ref(refs, "care-team")],
            "activity": [{"reference": activity}] if activity else None,
            "extension": [
                {
                    "url": EXT_CO_DEVELOPMENT,
                    "extension": [
                        {"url": "with", "valueReference": {"display": "the patient"}},
                        {"url": "when", "valueDateTime": "2026-01-05T10:00:00Z"},
                        {"url": "how", "valueString": "face to face"},
                    ],
                }
            ],
        }
    )


def goal(nhs: str, refs: Refs) -> Body:
    return {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "description": {"text": "Walk to the shops again"},
        "subject": patient_ref(nhs, refs, "patient", "subject"),
        "target": [{"dueDate": "2026-06-01"}],
    }


def care_team(nhs: str, refs: Refs) -> Body:
    return {
        "resourceType": "CareTeam",
        "status": "active",
        "category": [coded("coordination")],
        "subject": patient_ref(nhs, refs, "patient", "subject"),
        "period": {"start": "2026-01-05"},
        "participant": [{"member": ref(refs, "participant", {"display": "Nurse Example"})}],
    }


def episode_of_care(nhs: str, refs: Refs) -> Body:
    return _drop_none(
        {
            "resourceType": "EpisodeOfCare",
            "status": "active",
            "patient": patient_ref(nhs, refs, "patient"),
            "careManager": ref(refs, "care-manager", {"display": "Nurse Example"}),
            "period": {"start": "2026-01-05"},
        }
    )


def provenance(nhs: str, refs: Refs) -> Body:
    targets = [patient_ref(nhs, refs, "patient")]
    if "target" in refs:
        targets.append({"reference": refs["target"]})
    return {
        "resourceType": "Provenance",
        "target": targets,
        "recorded": "2026-01-05T09:30:00Z",
        "agent": [{"who": ref(refs, "agent", {"display": "Dr Example"})}],
    }


def composition(nhs: str, refs: Refs) -> Body:
    return {
        "resourceType": "Composition",
        "status": "final",
        "type": coded("mdt-outcome"),
        "subject": patient_ref(nhs, refs, "patient"),
        "date": "2026-01-05T09:30:00Z",
        "author": [{"display": "MDT chair"}],
        "title": "MDT outcome",
    }


def consent(nhs: str, refs: Refs) -> Body:
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": coded("patient-privacy", "http://terminology.hl7.org/CodeSystem/consentscope"),
        "category": [coded("59284-0", "http://loinc.org")],
        "patient": patient_ref(nhs, refs, "patient"),
        "dateTime": "2026-01-05T09:30:00Z",
        "policyRule": coded("OPTIN", "http://terminology.hl7.org/CodeSystem/v3-ActCode"),
    }


def questionnaire_response(nhs: str, refs: Refs) -> Body:
    """A patient's feedback on a front-door request."""
    return _drop_none(
        {
            "resourceType": "QuestionnaireResponse",
            "identifier": {"system": LOCAL, "value": "feedback-1"},
            "questionnaire": "https://carecoord.example/front-door/Questionnaire/feedback",
            "status": "completed",
            "subject": patient_ref(nhs, refs, "patient"),
            "authored": "2026-01-05T09:30:00Z",
            "item": [
                {"linkId": "helpful", "answer": [{"valueCoding": {"system": LOCAL, "code": "5"}}]}
            ],
        }
    )


ABOUT_A_PATIENT: dict[str, Callable[[str, Refs], Body]] = {
    "ServiceRequest": service_request,
    "Task": task,
    "Communication": communication,
    "CommunicationRequest": communication_request,
    "DocumentReference": document_reference,
    "Patient": patient,
    "Condition": condition,
    "CarePlan": care_plan,
    "Goal": goal,
    "CareTeam": care_team,
    "EpisodeOfCare": episode_of_care,
    "Provenance": provenance,
    "Composition": composition,
    "Consent": consent,
    "QuestionnaireResponse": questionnaire_response,
}


def valid(body: Body) -> Body:
    """`body`, once `fhir.resources` (R4B, the project's R4 validator) accepts it."""
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    return body


def about(resource_type: str, nhs: str, refs: Refs | None = None) -> Body:
    """A valid body of `resource_type` about the patient `nhs`."""
    return valid(ABOUT_A_PATIENT[resource_type](nhs, refs or {}))
