"""The FHIR resources the MDT service serves, and how each is searched.

An MDT is a CareTeam (its locality, the practices it serves, its members); meetings
are Appointments and Encounters; each meeting's case list is a List with a Task per
case; outcomes are Compositions and actions are Tasks with an owner and a due date.
Only the team is written through the generic REST interactions (checked by
`team_issues`; its writes go through the service's handler, which keeps its members
and their access in step); everything else changes through the MDT's operations,
which keep the service's own tables in step, so those types are served read-only
here. A List names no patient, so the kernel's patient filter cannot guard it: every
path to one is the membership check of `mdt.routes.case_lists`, and List declares no
reference parameter, so no `_include`/`_revinclude` of another type can reach one.
Every type people read gets a generated narrative.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.fhir.registry import (
    ALL_INTERACTIONS,
    READ_ONLY,
    ResourceDefinition,
    SearchParam,
    WriteHandler,
    patient_record,
)
from carecoord_shared.fhir.standard_params import TASK_WINDOW, standard_params
from mdt.fhir.team import team_issues

_PEOPLE = ("Practitioner", "PractitionerRole", "Organization", "CareTeam")


def _served(
    kind: str, documentation: str, *params: SearchParam, **options: Any
) -> ResourceDefinition:
    """A type the MDT serves, read-only over REST unless `options` say otherwise, with a
    generated narrative and `identifier` and `status` among its search parameters."""
    search = (*standard_params(kind, "identifier", "status"), *params)
    options = {"interactions": READ_ONLY, "narrative": True, **options}
    return ResourceDefinition(kind, documentation=documentation, search_params=search, **options)


def _about_patient(
    kind: str, element: str, documentation: str, *params: SearchParam
) -> ResourceDefinition:
    """A type always about one patient, named at `element`, read-only over REST, with
    `identifier` and `status` among its search parameters."""
    search = (*standard_params(kind, "identifier", "status"), *params)
    return patient_record(kind, f"{kind}.{element}", documentation, search, interactions=READ_ONLY)


def _teams_and_meetings(team_writes: WriteHandler | None) -> list[ResourceDefinition]:
    return [
        _served(
            "CareTeam",
            "A multi-disciplinary team: locality, practices served, members.",
            *standard_params("CareTeam", "category"),
            SearchParam("name", "string", "CareTeam.name"),  # R5's; not in R4
            *standard_params("CareTeam", "date", ("participant", _PEOPLE)),
            SearchParam(
                "managing-organization",
                "reference",
                "CareTeam.managingOrganization",
                ("Organization",),
            ),
            interactions=ALL_INTERACTIONS,
            validators=(team_issues,),
            writes=team_writes,
        ),
        _served(
            "Appointment",
            "A scheduled MDT meeting.",
            *standard_params(
                "Appointment",
                "service-type",
                "date",
                ("actor", ("Practitioner",)),
                ("supporting-info", ("CareTeam",)),
            ),
        ),
        _served(
            "Encounter",
            "An MDT meeting as held, with attendance.",
            *standard_params("Encounter", "class", "date", ("appointment", ("Appointment",))),
        ),
    ]


def _cases_and_outcomes() -> list[ResourceDefinition]:
    return [
        _served(  # no reference parameter: no _include/_revinclude reaches a case list
            "List",
            "The case list of one meeting (MDT members only).",
            *standard_params("List", "code", "date", "title"),
        ),
        _about_patient(
            "Task",
            "for",
            "A case on a list (listed, prepared, discussed, deferred) or an action.",
            *standard_params(
                "Task",
                "business-status",
                "code",
                "intent",
                "priority",
                ("owner", _PEOPLE),
                ("part-of", ("Task",)),
                ("focus", ("Task",)),
            ),
            TASK_WINDOW,  # the window the case or action has
            *standard_params("Task", "authored-on"),
        ),
        _about_patient(
            "Composition",
            "subject",
            "The outcome record of one discussed case.",
            *standard_params("Composition", "type", "date"),
        ),
    ]


def resource_definitions(*, team_writes: WriteHandler | None = None) -> list[ResourceDefinition]:
    """Every type the MDT serves; `team_writes` keeps its tables in step with a CareTeam."""
    return [*_teams_and_meetings(team_writes), *_cases_and_outcomes()]
