"""FHIR R4's standard search parameters, declared once for every service.

`standard_params("CareTeam", "status", ("participant", PEOPLE))` gives the
SearchParams a type declares under R4's names, types and FHIRPath expressions
(hl7.org/fhir/R4, each type's search page). A reference parameter names the target
types this service accepts (a subset of R4's). Only parameters whose R4 expression
is a plain path are here; where R4 narrows with `where(resolve() is Patient)`, `as`
or a union (Task `patient`, Goal `target-date`, Condition `onset-date`, Organization
`name`), a service declares its own SearchParam and says how it differs. One such
parameter every service shares, Task `period`, is `TASK_WINDOW` below.
"""

from __future__ import annotations

from collections.abc import Mapping

from carecoord_shared.fhir.registry import SearchParam, SearchParamType

R4: Mapping[str, Mapping[str, tuple[SearchParamType, str]]] = {
    "Appointment": {
        "identifier": ("token", "identifier"),
        "status": ("token", "status"),
        "service-type": ("token", "serviceType"),
        "date": ("date", "start"),
        "actor": ("reference", "participant.actor"),
        "supporting-info": ("reference", "supportingInformation"),
    },
    "CarePlan": {
        "status": ("token", "status"),
        "category": ("token", "category"),
        "intent": ("token", "intent"),
        "date": ("date", "period"),
        "goal": ("reference", "goal"),
        "care-team": ("reference", "careTeam"),
        "activity-reference": ("reference", "activity.reference"),
    },
    "CareTeam": {
        "identifier": ("token", "identifier"),
        "status": ("token", "status"),
        "category": ("token", "category"),
        "date": ("date", "period"),
        "participant": ("reference", "participant.member"),
    },
    "Composition": {
        "identifier": ("token", "identifier"),
        "status": ("token", "status"),
        "type": ("token", "type"),
        "date": ("date", "date"),
    },
    "Condition": {
        "code": ("token", "code"),
        "clinical-status": ("token", "clinicalStatus"),
        "category": ("token", "category"),
    },
    "Encounter": {
        "identifier": ("token", "identifier"),
        "status": ("token", "status"),
        "class": ("token", "class"),
        "date": ("date", "period"),
        "appointment": ("reference", "appointment"),
    },
    "EpisodeOfCare": {
        "status": ("token", "status"),
        "care-manager": ("reference", "careManager"),
        "date": ("date", "period"),
    },
    "Communication": {
        "medium": ("token", "medium"),
        "category": ("token", "category"),
        "status": ("token", "status"),
        "based-on": ("reference", "basedOn"),
        "recipient": ("reference", "recipient"),
        "sent": ("date", "sent"),
    },
    "DocumentReference": {
        "type": ("token", "type"),
        "status": ("token", "status"),
        "related": ("reference", "context.related"),
        "date": ("date", "date"),
    },
    "Goal": {"lifecycle-status": ("token", "lifecycleStatus")},
    "HealthcareService": {
        "identifier": ("token", "identifier"),
        "specialty": ("token", "specialty"),
        "active": ("token", "active"),
        "characteristic": ("token", "characteristic"),
        "service-category": ("token", "category"),
        "service-type": ("token", "type"),
        "name": ("string", "name"),
        "organization": ("reference", "providedBy"),
    },
    "List": {
        "identifier": ("token", "identifier"),
        "status": ("token", "status"),
        "code": ("token", "code"),
        "date": ("date", "date"),
        "title": ("string", "title"),
    },
    "Organization": {
        "identifier": ("token", "identifier"),
        "type": ("token", "type"),
        "active": ("token", "active"),
        "partof": ("reference", "partOf"),
    },
    "Patient": {
        "identifier": ("token", "identifier"),
        "name": ("string", "name"),
        "family": ("string", "name.family"),
        "given": ("string", "name.given"),
        "gender": ("token", "gender"),
        "birthdate": ("date", "birthDate"),
        "general-practitioner": ("reference", "generalPractitioner"),
    },
    "PractitionerRole": {
        "identifier": ("token", "identifier"),
        "specialty": ("token", "specialty"),
        "active": ("token", "active"),
        "role": ("token", "code"),
        "service": ("reference", "healthcareService"),
        "organization": ("reference", "organization"),
        "practitioner": ("reference", "practitioner"),
    },
    "Provenance": {
        "target": ("reference", "target"),
        "agent": ("reference", "agent.who"),
        "recorded": ("date", "recorded"),
    },
    "ServiceRequest": {
        "identifier": ("token", "identifier"),
        "status": ("token", "status"),
        "intent": ("token", "intent"),
        "category": ("token", "category"),
        "priority": ("token", "priority"),
        "code": ("token", "code"),
        "requester": ("reference", "requester"),
        "performer": ("reference", "performer"),
        "performer-type": ("token", "performerType"),
        "replaces": ("reference", "replaces"),
        "authored": ("date", "authoredOn"),
    },
    "Task": {
        "identifier": ("token", "identifier"),
        "status": ("token", "status"),
        "business-status": ("token", "businessStatus"),
        "code": ("token", "code"),
        "intent": ("token", "intent"),
        "priority": ("token", "priority"),
        "owner": ("reference", "owner"),
        "requester": ("reference", "requester"),
        "part-of": ("reference", "partOf"),
        "focus": ("reference", "focus"),
        "authored-on": ("date", "authoredOn"),
        "period": ("date", "executionPeriod"),
    },
}
"""Each type's standard parameters: name -> (type, path under the type)."""

TASK_WINDOW = SearchParam("period", "date", "Task.restriction.period")
"""Task `period` as every CareCoord service serves it. Not R4's (`Task.executionPeriod`,
when the work was done): a CareCoord Task keeps the window it has (a response's due
date, a case's or an action's, when an activity is to happen) in `restriction.period`."""

Named = str | tuple[str, tuple[str, ...]]
"""A parameter's name, or for a reference its name and the target types accepted."""


def standard_params(resource_type: str, *names: Named) -> tuple[SearchParam, ...]:
    """The R4 parameters `names` of `resource_type`, in the order given."""
    params = []
    for named in names:
        name, targets = (named, ()) if isinstance(named, str) else named
        kind, path = R4[resource_type][name]
        if (kind == "reference") != bool(targets):
            raise ValueError(f"{resource_type} {name}: targets go with reference parameters")
        params.append(SearchParam(name, kind, f"{resource_type}.{path}", targets))
    return tuple(params)
