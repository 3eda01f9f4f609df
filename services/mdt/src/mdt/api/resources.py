"""The FHIR resources the MDT service serves, and how each is searched.

An MDT is a CareTeam (its locality, the practices it serves, its members); meetings
are Appointments and Encounters; each meeting's case list is a List with a Task per
case; outcomes are Compositions and actions are Tasks with an owner and a due date.
"""

from __future__ import annotations

from carecoord_shared.fhir.registry import (
    FhirRegistry,
    ResourceDefinition,
    SearchParam,
    nhs_number_at,
)

_PEOPLE = ("Practitioner", "PractitionerRole", "Organization", "CareTeam")


def build_registry() -> FhirRegistry:
    return FhirRegistry("mdt").add(
        ResourceDefinition(
            "CareTeam",
            documentation="A multi-disciplinary team: locality, practices served, members.",
            search_params=(
                SearchParam("identifier", "token", "CareTeam.identifier"),
                SearchParam("status", "token", "CareTeam.status"),
                SearchParam("category", "token", "CareTeam.category"),
                SearchParam("name", "string", "CareTeam.name"),
                SearchParam("participant", "reference", "CareTeam.participant.member", _PEOPLE),
                SearchParam(
                    "managing-organization",
                    "reference",
                    "CareTeam.managingOrganization",
                    ("Organization",),
                ),
            ),
        ),
        ResourceDefinition(
            "Appointment",
            documentation="A scheduled MDT meeting.",
            search_params=(
                SearchParam("status", "token", "Appointment.status"),
                SearchParam("date", "date", "Appointment.start"),
                SearchParam("actor", "reference", "Appointment.participant.actor", _PEOPLE),
            ),
        ),
        ResourceDefinition(
            "Encounter",
            documentation="An MDT meeting as held, with attendance.",
            search_params=(
                SearchParam("status", "token", "Encounter.status"),
                SearchParam("date", "date", "Encounter.period"),
                SearchParam("appointment", "reference", "Encounter.appointment", ("Appointment",)),
            ),
        ),
        ResourceDefinition(
            "List",
            documentation="The case list of one meeting.",
            search_params=(
                SearchParam("status", "token", "List.status"),
                SearchParam("code", "token", "List.code"),
                SearchParam("encounter", "reference", "List.encounter", ("Encounter",)),
                SearchParam("date", "date", "List.date"),
            ),
        ),
        ResourceDefinition(
            "Task",
            documentation="A case on a list (listed, prepared, discussed, deferred) or an action.",
            patient_nhs=nhs_number_at("Task.for"),
            search_params=(
                SearchParam("status", "token", "Task.status"),
                SearchParam("business-status", "token", "Task.businessStatus"),
                SearchParam("code", "token", "Task.code"),
                SearchParam("patient", "reference", "Task.for", ("Patient",)),
                SearchParam("owner", "reference", "Task.owner", _PEOPLE),
                SearchParam("part-of", "reference", "Task.partOf", ("Task",)),
                SearchParam("period", "date", "Task.restriction.period"),
            ),
        ),
        ResourceDefinition(
            "Composition",
            documentation="The outcome record of one discussed case.",
            patient_nhs=nhs_number_at("Composition.subject"),
            search_params=(
                SearchParam("status", "token", "Composition.status"),
                SearchParam("type", "token", "Composition.type"),
                SearchParam("patient", "reference", "Composition.subject", ("Patient",)),
                SearchParam("date", "date", "Composition.date"),
            ),
        ),
    )
