"""The FHIR resources the care plans service serves, and how each is searched.

The patient register (Patient by NHS number, Condition), named co-ordinators
(CareTeam, EpisodeOfCare, Provenance for handovers), shared care plans (CarePlan,
Goal, Task) and the indicators (Measure). Care plans are edited by many
organisations, so updates must carry If-Match: a missing one is 428 and a stale one
412, and no edit is silently lost. Every resource about a patient is tied to them,
because that is what the access rule filters on (one tied to nobody would be visible
to everyone): it names them by NHS number or by a `Patient/<id>` this service holds,
which the kernel resolves; one it cannot tie is refused with 422. Provenance and
Measure are written by the service itself, so they are read-only over REST.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from care_plans.fhir.vocabulary import EXT_CO_DEVELOPMENT
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.outcome import Issue
from carecoord_shared.fhir.registry import (
    READ_ONLY,
    ResourceDefinition,
    SearchParam,
    WriteHandler,
    nhs_number_at,
    patient_record,
)
from carecoord_shared.fhir.standard_params import TASK_WINDOW, standard_params


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
            narrative=True,
            writes=writes.patient,
            validators=(names_patient("Patient", "identifier"),),
            search_params=standard_params(
                "Patient",
                "identifier",
                "name",
                "family",
                "given",
                "gender",
                "birthdate",
                ("general-practitioner", ("Organization", "PractitionerRole", "Practitioner")),
            ),
        ),
        patient_record(
            "Condition",
            "Condition.subject",
            "Long-term conditions on the register (SNOMED CT); they drive cohorts.",
            (
                *standard_params("Condition", "code", "clinical-status", "category"),
                # R4's is Condition.onset.as(dateTime) | Condition.onset.as(Period)
                SearchParam("onset-date", "date", "Condition.onset"),
            ),
            writes=writes.condition,
        ),
    )


def _care_plan(writes: Writes) -> tuple[ResourceDefinition, ...]:
    return (
        patient_record(
            "CarePlan",
            "CarePlan.subject",
            "Shared care plans; updates need If-Match; one active comprehensive plan per "
            "patient; every contribution gets a Provenance.",
            standard_params(
                "CarePlan",
                "status",
                "category",
                "intent",
                "date",
                ("goal", ("Goal",)),
                ("care-team", ("CareTeam",)),
                ("activity-reference", ("Task", "ServiceRequest")),
            ),
            require_if_match=True,
            writes=writes.care_plan,
            validators=(plan_status, co_development),
        ),
    )


def _contributions(writes: Writes) -> tuple[ResourceDefinition, ...]:
    """Goals and activities: anyone on the patient's care may add them."""
    return (
        patient_record(
            "Goal",
            "Goal.subject",
            "Goals in the patient's own words (expressedBy the patient).",
            (
                *standard_params("Goal", "lifecycle-status"),
                SearchParam("target-date", "date", "Goal.target.due"),  # R4: (... as date)
            ),
            writes=writes.contribution,
        ),
        patient_record(
            "Task",
            "Task.for",
            "Care plan activities owned by any organisation.",
            (
                *standard_params(
                    "Task",
                    "identifier",
                    "status",
                    "code",
                    ("focus", ("CarePlan", "Goal")),
                    ("owner", _PEOPLE),
                ),
                TASK_WINDOW,  # when the activity is to happen
            ),
            writes=writes.contribution,
            subject=False,
        ),
    )


def _coordination() -> tuple[ResourceDefinition, ...]:
    """Rebuilt by $assign-coordinator and the lapse job from the assignments."""
    return (
        patient_record(
            "CareTeam",
            "CareTeam.subject",
            "The patient's care co-ordination team (written by $assign-coordinator).",
            standard_params("CareTeam", "status", "category", ("participant", _PEOPLE), "date"),
        ),
        patient_record(
            "EpisodeOfCare",
            "EpisodeOfCare.patient",
            "Care co-ordination episode with its care manager.",
            standard_params(
                "EpisodeOfCare",
                "status",
                ("care-manager", ("Practitioner", "PractitionerRole")),
                "date",
            ),
            subject=False,
        ),
    )


def _written_by_the_service() -> tuple[ResourceDefinition, ...]:
    """Read-only over REST, for every caller whatever their scopes (configuration is not
    clinical data: issue 13, finding 3): the service writes them itself."""
    return (
        patient_record(
            "Provenance",
            "Provenance.target",
            "Who contributed what to a plan, and handovers between co-ordinators "
            "(written by the service; the patient is a target given by NHS number).",
            standard_params(
                "Provenance",
                ("target", ("CarePlan", "CareTeam", "Goal", "Task")),
                ("agent", _PEOPLE),
                "recorded",
            ),
            interactions=READ_ONLY,
            subject=False,
        ),
        ResourceDefinition(
            "Measure",
            interactions=READ_ONLY,
            update_create=True,  # G1-G3 have the ids the service gives them at start
            narrative=True,
            documentation="Indicators G1-G3 (evaluate with $evaluate-measure); read-only.",
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
