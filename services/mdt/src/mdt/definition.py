"""The mdt service, declared: what it serves, does, consumes and runs on a clock.

Locality multi-disciplinary teams, meetings, case lists and outcomes, as FHIR R4.
The kernel assembles the API (`mdt.main`) and the worker (`mdt.worker`) from this one
declaration; a new operation, consumer or job is its own module plus one line here.
"""

from __future__ import annotations

from fastapi import APIRouter

from carecoord_shared.service import ServiceDefinition
from mdt.domain.vocabulary import GRANT_REASONS
from mdt.events import (
    EVENT_SCHEMAS,
    advice_call_recorded,
    careplan_review_due,
    careplan_revised,
    coordinator_assigned,
    coordinator_ended,
    patient_cohort_changed,
    patient_registered,
    referral_submitted,
    referral_triaged,
)
from mdt.fhir.definitions import DEFINITIONS
from mdt.fhir.resources import resource_definitions
from mdt.jobs import escalate_overdue
from mdt.operations import (
    acknowledge,
    action_summary,
    assemble_case_list,
    complete,
    nominate,
    prepare,
    record_attendance,
    record_outcome,
    schedule_meetings,
)
from mdt.service.context import MdtContext
from mdt.service.teams import record_team
from mdt.settings import MdtSettings
from mdt.store.tables import MIGRATIONS


def case_list_routes(context: MdtContext) -> APIRouter:
    """The List routes of case lists, imported when the API is assembled: the worker
    never loads them, nor the FHIR route stack they stand on (token checks, httpx)."""
    from mdt.routes.case_lists import case_list_routes as routes

    return routes(context)


SERVICE = ServiceDefinition(
    name="mdt",
    title="CareCoord mdt",
    description="Locality multi-disciplinary teams, meetings, case lists and outcomes, as FHIR R4.",
    settings=MdtSettings,
    resources=lambda _context: resource_definitions(team_writes=record_team),
    context=MdtContext,
    operations=[
        schedule_meetings.OPERATION,
        nominate.OPERATION,
        assemble_case_list.OPERATION,
        record_attendance.OPERATION,
        prepare.OPERATION,
        record_outcome.OPERATION,
        acknowledge.OPERATION,
        complete.OPERATION,
        action_summary.OPERATION,
    ],
    consumers=[
        patient_registered.CONSUMER,
        coordinator_assigned.CONSUMER,
        coordinator_ended.CONSUMER,
        patient_cohort_changed.CONSUMER,
        careplan_revised.CONSUMER,
        careplan_review_due.CONSUMER,
        referral_submitted.CONSUMER,
        referral_triaged.CONSUMER,
        advice_call_recorded.CONSUMER,
    ],
    jobs=[escalate_overdue.JOB],
    grant_reasons=GRANT_REASONS,
    migrations=MIGRATIONS,
    event_schemas=EVENT_SCHEMAS,
    routers=[case_list_routes],
    definitions=DEFINITIONS,
)
