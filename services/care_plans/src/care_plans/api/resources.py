"""The FHIR resources the care plans service serves, and how each is searched.

The patient register (Patient by NHS number, Condition), named co-ordinators
(CareTeam, EpisodeOfCare, Provenance for handovers) and shared care plans (CarePlan,
Goal, Task). Care plans are edited by many organisations, so updates must carry
If-Match: a missing one is 428 and a stale one 412, and no edit is silently lost.
"""

from __future__ import annotations

from functools import partial

from care_plans.service.registration import record_registration
from care_plans.settings import CarePlansSettings
from carecoord_shared.fhir.registry import (
    FhirRegistry,
    ResourceDefinition,
    SearchParam,
    nhs_number_at,
)

_PEOPLE = ("Practitioner", "PractitionerRole", "Organization", "Patient", "RelatedPerson")


def _patient_ref(path: str) -> SearchParam:
    return SearchParam("patient", "reference", path, ("Patient",))


def build_registry(settings: CarePlansSettings) -> FhirRegistry:
    return FhirRegistry("care_plans").add(
        ResourceDefinition(
            "Patient",
            documentation="The register: NHS number, registered practice (generalPractitioner).",
            patient_nhs=nhs_number_at("Patient"),
            on_change=partial(record_registration, topic=settings.topic),
            search_params=(
                SearchParam("identifier", "token", "Patient.identifier"),
                SearchParam("name", "string", "Patient.name"),
                SearchParam("family", "string", "Patient.name.family"),
                SearchParam("birthdate", "date", "Patient.birthDate"),
                SearchParam(
                    "general-practitioner",
                    "reference",
                    "Patient.generalPractitioner",
                    ("Organization", "PractitionerRole", "Practitioner"),
                ),
            ),
        ),
        ResourceDefinition(
            "Condition",
            documentation="Long-term conditions on the register (SNOMED CT).",
            patient_nhs=nhs_number_at("Condition.subject"),
            search_params=(
                SearchParam("code", "token", "Condition.code"),
                SearchParam("clinical-status", "token", "Condition.clinicalStatus"),
                SearchParam("category", "token", "Condition.category"),
                _patient_ref("Condition.subject"),
                SearchParam("onset-date", "date", "Condition.onset"),
            ),
        ),
        ResourceDefinition(
            "CarePlan",
            documentation="Shared care plans; updates need If-Match.",
            patient_nhs=nhs_number_at("CarePlan.subject"),
            require_if_match=True,
            search_params=(
                SearchParam("status", "token", "CarePlan.status"),
                SearchParam("category", "token", "CarePlan.category"),
                SearchParam("intent", "token", "CarePlan.intent"),
                _patient_ref("CarePlan.subject"),
                SearchParam("date", "date", "CarePlan.period"),
                SearchParam("goal", "reference", "CarePlan.goal", ("Goal",)),
                SearchParam("care-team", "reference", "CarePlan.careTeam", ("CareTeam",)),
            ),
        ),
        ResourceDefinition(
            "Goal",
            documentation="Goals in the patient's own words.",
            patient_nhs=nhs_number_at("Goal.subject"),
            search_params=(
                SearchParam("lifecycle-status", "token", "Goal.lifecycleStatus"),
                _patient_ref("Goal.subject"),
                SearchParam("target-date", "date", "Goal.target.due"),
            ),
        ),
        ResourceDefinition(
            "CareTeam",
            documentation="The patient's care team, including the named care co-ordinator.",
            patient_nhs=nhs_number_at("CareTeam.subject"),
            search_params=(
                SearchParam("status", "token", "CareTeam.status"),
                SearchParam("category", "token", "CareTeam.category"),
                _patient_ref("CareTeam.subject"),
                SearchParam("participant", "reference", "CareTeam.participant.member", _PEOPLE),
                SearchParam("date", "date", "CareTeam.period"),
            ),
        ),
        ResourceDefinition(
            "EpisodeOfCare",
            documentation="Care co-ordination episode with its care manager.",
            patient_nhs=nhs_number_at("EpisodeOfCare.patient"),
            search_params=(
                SearchParam("status", "token", "EpisodeOfCare.status"),
                _patient_ref("EpisodeOfCare.patient"),
                SearchParam(
                    "care-manager",
                    "reference",
                    "EpisodeOfCare.careManager",
                    ("Practitioner", "PractitionerRole"),
                ),
                SearchParam("date", "date", "EpisodeOfCare.period"),
            ),
        ),
        ResourceDefinition(
            "Task",
            documentation="Care plan activities owned by any organisation.",
            patient_nhs=nhs_number_at("Task.for"),
            search_params=(
                SearchParam("status", "token", "Task.status"),
                SearchParam("focus", "reference", "Task.focus", ("CarePlan", "Goal")),
                _patient_ref("Task.for"),
                SearchParam("owner", "reference", "Task.owner", _PEOPLE),
                SearchParam("period", "date", "Task.restriction.period"),
            ),
        ),
        ResourceDefinition(
            "Provenance",
            documentation="Who contributed what to a plan, and handovers between co-ordinators.",
            patient_nhs=nhs_number_at("Provenance.patient"),
            search_params=(
                SearchParam(
                    "target", "reference", "Provenance.target", ("CarePlan", "CareTeam", "Goal")
                ),
                SearchParam("agent", "reference", "Provenance.agent.who", _PEOPLE),
                SearchParam("recorded", "date", "Provenance.recorded"),
            ),
        ),
    )
