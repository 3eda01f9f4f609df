"""The FHIR resources the care plans service serves, and how each is searched.

The patient register (Patient by NHS number, Condition), named co-ordinators
(CareTeam, EpisodeOfCare, Provenance for handovers), shared care plans (CarePlan,
Goal, Task) and the indicators (Measure). Care plans are edited by many
organisations, so updates must carry If-Match: a missing one is 428 and a stale one
412, and no edit is silently lost. Every resource about a patient must name them by
NHS number, because that is what the access rule filters on: a resource without one
would be visible to everyone. Provenance and Measure are written by the service
itself, so they are read-only over REST.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from care_plans.domain.codes import EXT_CO_DEVELOPMENT
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.outcome import Issue
from carecoord_shared.fhir.registry import (
    READ_ONLY,
    ResourceDefinition,
    SearchParam,
    WriteHandler,
    nhs_number_at,
)


@dataclass(frozen=True, slots=True)
class Writes:
    """What a REST write of each type does besides storing it (the service layer's
    handlers: they store the write, then keep read models, record Provenance and
    announce events in the same unit of work)."""

    patient: WriteHandler
    condition: WriteHandler
    care_plan: WriteHandler
    contribution: WriteHandler


_PEOPLE = ("Practitioner", "PractitionerRole", "Organization", "Patient", "RelatedPerson")


def _patient_ref(path: str) -> SearchParam:
    return SearchParam("patient", "reference", path, ("Patient",))


def _has_nhs_number(value: Any) -> bool:
    identifiers = value if isinstance(value, list) else [(value or {}).get("identifier")]
    return any(
        isinstance(i, dict) and i.get("system") == NHS_NUMBER_SYSTEM and i.get("value")
        for i in identifiers
    )


def names_patient(resource_type: str, element: str) -> Callable[[dict[str, Any]], list[Issue]]:
    """A validator: `element` must identify the patient by NHS number."""

    def rule(body: dict[str, Any]) -> list[Issue]:
        if _has_nhs_number(body.get(element)):
            return []
        where = f"{resource_type}.{element}"
        return [Issue("required", f"{where} must identify the patient by NHS number", (where,))]

    return rule


_PLAN_STATUS = frozenset(
    {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
)


def plan_status(body: dict[str, Any]) -> list[Issue]:
    """R4 CarePlan.status is a required binding the model library does not check."""
    if body.get("status") in _PLAN_STATUS:
        return []
    return [Issue("value", "CarePlan.status is not a CarePlan status", ("CarePlan.status",))]


def co_development(body: dict[str, Any]) -> list[Issue]:
    """Co-development, when recorded, says with whom, when and how (README, extensions)."""
    for extension in body.get("extension") or []:
        if extension.get("url") != EXT_CO_DEVELOPMENT:
            continue
        parts = {part.get("url") for part in extension.get("extension") or []}
        missing = sorted({"with", "when", "how"} - parts)
        if missing:
            where = f"CarePlan.extension('{EXT_CO_DEVELOPMENT}')"
            return [Issue("required", f"Co-development needs {', '.join(missing)}", (where,))]
    return []


def _register(writes: Writes) -> tuple[ResourceDefinition, ...]:
    return (
        ResourceDefinition(
            "Patient",
            documentation="The register: NHS number, registered practice (generalPractitioner, "
            "ODS), locality (extension patient-locality).",
            patient_nhs=nhs_number_at("Patient"),
            writes=writes.patient,
            validators=(names_patient("Patient", "identifier"),),
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
            documentation="Long-term conditions on the register (SNOMED CT); they drive cohorts.",
            patient_nhs=nhs_number_at("Condition.subject"),
            writes=writes.condition,
            validators=(names_patient("Condition", "subject"),),
            search_params=(
                SearchParam("code", "token", "Condition.code"),
                SearchParam("clinical-status", "token", "Condition.clinicalStatus"),
                SearchParam("category", "token", "Condition.category"),
                _patient_ref("Condition.subject"),
                SearchParam("onset-date", "date", "Condition.onset"),
            ),
        ),
    )


def _care_plan(writes: Writes) -> tuple[ResourceDefinition, ...]:
    return (
        ResourceDefinition(
            "CarePlan",
            documentation="Shared care plans; updates need If-Match; one active comprehensive "
            "plan per patient; every contribution gets a Provenance.",
            patient_nhs=nhs_number_at("CarePlan.subject"),
            require_if_match=True,
            writes=writes.care_plan,
            validators=(names_patient("CarePlan", "subject"), plan_status, co_development),
            search_params=(
                SearchParam("status", "token", "CarePlan.status"),
                SearchParam("category", "token", "CarePlan.category"),
                SearchParam("intent", "token", "CarePlan.intent"),
                _patient_ref("CarePlan.subject"),
                SearchParam("date", "date", "CarePlan.period"),
                SearchParam("goal", "reference", "CarePlan.goal", ("Goal",)),
                SearchParam("care-team", "reference", "CarePlan.careTeam", ("CareTeam",)),
                SearchParam(
                    "activity-reference",
                    "reference",
                    "CarePlan.activity.reference",
                    ("Task", "ServiceRequest"),
                ),
            ),
        ),
    )


def _contributions(writes: Writes) -> tuple[ResourceDefinition, ...]:
    """Goals and activities: anyone on the patient's care may add them."""
    return (
        ResourceDefinition(
            "Goal",
            documentation="Goals in the patient's own words (expressedBy the patient).",
            patient_nhs=nhs_number_at("Goal.subject"),
            writes=writes.contribution,
            validators=(names_patient("Goal", "subject"),),
            search_params=(
                SearchParam("lifecycle-status", "token", "Goal.lifecycleStatus"),
                _patient_ref("Goal.subject"),
                SearchParam("target-date", "date", "Goal.target.due"),
            ),
        ),
        ResourceDefinition(
            "Task",
            documentation="Care plan activities owned by any organisation.",
            patient_nhs=nhs_number_at("Task.for"),
            writes=writes.contribution,
            validators=(names_patient("Task", "for"),),
            search_params=(
                SearchParam("identifier", "token", "Task.identifier"),
                SearchParam("status", "token", "Task.status"),
                SearchParam("focus", "reference", "Task.focus", ("CarePlan", "Goal")),
                _patient_ref("Task.for"),
                SearchParam("owner", "reference", "Task.owner", _PEOPLE),
                SearchParam("period", "date", "Task.restriction.period"),
            ),
        ),
    )


def _coordination() -> tuple[ResourceDefinition, ...]:
    """Rebuilt by $assign-coordinator and the lapse job from the assignments."""
    return (
        ResourceDefinition(
            "CareTeam",
            documentation="The patient's care co-ordination team (written by $assign-coordinator).",
            patient_nhs=nhs_number_at("CareTeam.subject"),
            validators=(names_patient("CareTeam", "subject"),),
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
            validators=(names_patient("EpisodeOfCare", "patient"),),
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
    )


def _written_by_the_service() -> tuple[ResourceDefinition, ...]:
    """Read-only over REST: the service writes them itself."""
    return (
        ResourceDefinition(
            "Provenance",
            interactions=READ_ONLY,
            documentation="Who contributed what to a plan, and handovers between co-ordinators "
            "(written by the service; the patient is a target given by NHS number).",
            patient_nhs=nhs_number_at("Provenance.target"),
            search_params=(
                SearchParam(
                    "target",
                    "reference",
                    "Provenance.target",
                    ("CarePlan", "CareTeam", "Goal", "Task"),
                ),
                SearchParam("agent", "reference", "Provenance.agent.who", _PEOPLE),
                SearchParam("recorded", "date", "Provenance.recorded"),
            ),
        ),
        ResourceDefinition(
            "Measure",
            interactions=READ_ONLY,
            update_create=True,  # G1-G3 have the ids the service gives them at start
            documentation="Indicators G1-G3 (evaluate with $evaluate-measure).",
            search_params=(SearchParam("url", "token", "Measure.url"),),
        ),
    )


def resource_definitions(writes: Writes) -> list[ResourceDefinition]:
    """Every type this service serves, each REST write handled by `writes`."""
    return [
        *_register(writes),
        *_care_plan(writes),
        *_contributions(writes),
        *_coordination(),
        *_written_by_the_service(),
    ]
