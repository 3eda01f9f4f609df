"""The FHIR resources the MDT service serves, and how each is searched.

An MDT is a CareTeam (its locality, the practices it serves, its members); meetings
are Appointments and Encounters; each meeting's case list is a List with a Task per
case; outcomes are Compositions and actions are Tasks with an owner and a due date.
Only the team is written through the generic REST interactions (checked by
`team_issues`; its writes go through the service's handler, which keeps its members
and their access in step); everything else changes through the MDT's operations,
which keep the service's own tables in step, so those types are served read-only
here (List only read and search, behind the membership check of `mdt.routes`).
"""

from __future__ import annotations

from carecoord_shared.fhir.registry import (
    READ_ONLY,
    Interaction,
    ResourceDefinition,
    SearchParam,
    WriteHandler,
    nhs_number_at,
)
from mdt.fhir.team import team_issues

_PEOPLE = ("Practitioner", "PractitionerRole", "Organization", "CareTeam")


def resource_definitions(*, team_writes: WriteHandler | None = None) -> list[ResourceDefinition]:
    """Every type the MDT serves; `team_writes` keeps its tables in step with a CareTeam."""
    return [
        ResourceDefinition(
            "CareTeam",
            documentation="A multi-disciplinary team: locality, practices served, members.",
            validators=(team_issues,),
            writes=team_writes,
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
            interactions=READ_ONLY,
            search_params=(
                SearchParam("status", "token", "Appointment.status"),
                SearchParam("service-type", "token", "Appointment.serviceType"),
                SearchParam("date", "date", "Appointment.start"),
                SearchParam("actor", "reference", "Appointment.participant.actor", _PEOPLE),
            ),
        ),
        ResourceDefinition(
            "Encounter",
            documentation="An MDT meeting as held, with attendance.",
            interactions=READ_ONLY,
            search_params=(
                SearchParam("status", "token", "Encounter.status"),
                SearchParam("date", "date", "Encounter.period"),
                SearchParam("appointment", "reference", "Encounter.appointment", ("Appointment",)),
            ),
        ),
        ResourceDefinition(
            "List",
            documentation="The case list of one meeting (MDT members only).",
            interactions=frozenset({Interaction.READ, Interaction.SEARCH}),
            search_params=(
                SearchParam("status", "token", "List.status"),
                SearchParam("identifier", "token", "List.identifier"),
                SearchParam("code", "token", "List.code"),
                SearchParam("encounter", "reference", "List.encounter", ("Encounter",)),
                SearchParam("date", "date", "List.date"),
            ),
        ),
        ResourceDefinition(
            "Task",
            documentation="A case on a list (listed, prepared, discussed, deferred) or an action.",
            interactions=READ_ONLY,
            patient_nhs=nhs_number_at("Task.for"),
            search_params=(
                SearchParam("status", "token", "Task.status"),
                SearchParam("business-status", "token", "Task.businessStatus"),
                SearchParam("code", "token", "Task.code"),
                SearchParam("patient", "reference", "Task.for", ("Patient",)),
                SearchParam("owner", "reference", "Task.owner", _PEOPLE),
                SearchParam("part-of", "reference", "Task.partOf", ("Task",)),
                SearchParam("focus", "reference", "Task.focus", ("Task",)),
                SearchParam("period", "date", "Task.restriction.period"),
            ),
        ),
        ResourceDefinition(
            "Composition",
            documentation="The outcome record of one discussed case.",
            interactions=READ_ONLY,
            patient_nhs=nhs_number_at("Composition.subject"),
            search_params=(
                SearchParam("status", "token", "Composition.status"),
                SearchParam("type", "token", "Composition.type"),
                SearchParam("patient", "reference", "Composition.subject", ("Patient",)),
                SearchParam("date", "date", "Composition.date"),
            ),
        ),
    ]
