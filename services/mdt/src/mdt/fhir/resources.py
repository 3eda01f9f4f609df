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
    SearchParamType,
    WriteHandler,
    nhs_number_at,
)
from mdt.fhir.team import team_issues

_PEOPLE = ("Practitioner", "PractitionerRole", "Organization", "CareTeam")
Spec = tuple[str, SearchParamType, str] | tuple[str, SearchParamType, str, tuple[str, ...]]
"""A search parameter: name, type, the element of the type it reads, reference targets."""


def _served(kind: str, documentation: str, *specs: Spec, **options: Any) -> ResourceDefinition:
    """A type the MDT serves, read-only over REST unless `options` say otherwise, with a
    generated narrative and `identifier` and `status` among its search parameters."""
    specs = (("identifier", "token", "identifier"), ("status", "token", "status"), *specs)
    params = tuple(
        SearchParam(spec[0], spec[1], f"{kind}.{spec[2]}", spec[3] if len(spec) > 3 else ())
        for spec in specs
    )
    options = {"interactions": READ_ONLY, "narrative": True, **options}
    return ResourceDefinition(kind, documentation=documentation, search_params=params, **options)


def _about_patient(
    kind: str, element: str, documentation: str, *specs: Spec, **options: Any
) -> ResourceDefinition:
    """A type always about one patient, named at `element`: searched by `patient` and
    its synonym `subject`, refused when it names nobody."""
    patient: tuple[str, ...] = ("Patient",)
    return _served(
        kind,
        documentation,
        *specs,
        ("patient", "reference", element, patient),
        ("subject", "reference", element, patient),
        patient_nhs=nhs_number_at(f"{kind}.{element}"),
        patient_required=True,
        **options,
    )


def _teams_and_meetings(team_writes: WriteHandler | None) -> list[ResourceDefinition]:
    return [
        _served(
            "CareTeam",
            "A multi-disciplinary team: locality, practices served, members.",
            ("category", "token", "category"),
            ("name", "string", "name"),
            ("date", "date", "period"),
            ("participant", "reference", "participant.member", _PEOPLE),
            ("managing-organization", "reference", "managingOrganization", ("Organization",)),
            interactions=ALL_INTERACTIONS,
            validators=(team_issues,),
            writes=team_writes,
        ),
        _served(
            "Appointment",
            "A scheduled MDT meeting.",
            ("service-type", "token", "serviceType"),
            ("date", "date", "start"),
            ("actor", "reference", "participant.actor", ("Practitioner",)),
            ("supporting-info", "reference", "supportingInformation", ("CareTeam",)),
        ),
        _served(
            "Encounter",
            "An MDT meeting as held, with attendance.",
            ("class", "token", "class"),
            ("date", "date", "period"),
            ("appointment", "reference", "appointment", ("Appointment",)),
        ),
    ]


def _cases_and_outcomes() -> list[ResourceDefinition]:
    return [
        _served(  # no reference parameter: no _include/_revinclude reaches a case list
            "List",
            "The case list of one meeting (MDT members only).",
            ("code", "token", "code"),
            ("date", "date", "date"),
            ("title", "string", "title"),
        ),
        _about_patient(
            "Task",
            "for",
            "A case on a list (listed, prepared, discussed, deferred) or an action.",
            ("business-status", "token", "businessStatus"),
            ("code", "token", "code"),
            ("intent", "token", "intent"),
            ("priority", "token", "priority"),
            ("owner", "reference", "owner", _PEOPLE),
            ("part-of", "reference", "partOf", ("Task",)),
            ("focus", "reference", "focus", ("Task",)),
            ("period", "date", "restriction.period"),
            ("authored-on", "date", "authoredOn"),
        ),
        _about_patient(
            "Composition",
            "subject",
            "The outcome record of one discussed case.",
            ("type", "token", "type"),
            ("date", "date", "date"),
        ),
    ]


def resource_definitions(*, team_writes: WriteHandler | None = None) -> list[ResourceDefinition]:
    """Every type the MDT serves; `team_writes` keeps its tables in step with a CareTeam."""
    return [*_teams_and_meetings(team_writes), *_cases_and_outcomes()]
