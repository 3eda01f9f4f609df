"""The care plans service as one declaration, which the kernel assembles into its API
(`main`) and its worker (`worker`).

A new operation, consumer or job is its own module under `operations/`, `events/`
or `jobs/`, plus one line here.
"""

from __future__ import annotations

from care_plans.domain.relationships import GRANT_REASONS
from care_plans.events import (
    SCHEMAS,
    mdt_action_acknowledged,
    mdt_action_assigned,
    mdt_action_completed,
    mdt_outcome_recorded,
    referral_revised,
    referral_submitted,
    referral_triaged,
    referral_withdrawn,
)
from care_plans.fhir.definitions import DEFINITIONS
from care_plans.fhir.resources import resource_definitions
from care_plans.jobs import lapse_assignments, review_due
from care_plans.operations import (
    assign_coordinator,
    caseload,
    evaluate_measure,
    everything,
    overdue_review,
    stratification,
    unassigned_coordinator,
)
from care_plans.service.context import CarePlansContext
from care_plans.service.indicators import load_measures
from care_plans.service.writes import write_handlers
from care_plans.settings import CarePlansSettings
from care_plans.store.tables import MIGRATIONS
from carecoord_shared.fhir.registry import ResourceDefinition
from carecoord_shared.service import ServiceDefinition


def resources(context: CarePlansContext) -> list[ResourceDefinition]:
    return resource_definitions(write_handlers(context))


SERVICE = ServiceDefinition(
    name="care_plans",
    title="CareCoord care_plans",
    description=(
        "Named care co-ordinators, shared care plans, the long-term condition register "
        "and indicators, as FHIR R4."
    ),
    settings=CarePlansSettings,
    resources=resources,
    context=CarePlansContext,
    operations=(
        assign_coordinator.OPERATION,
        stratification.OPERATION,
        caseload.OPERATION,
        unassigned_coordinator.OPERATION,
        overdue_review.OPERATION,
        evaluate_measure.OPERATION,
        everything.OPERATION,
    ),
    consumers=(
        referral_submitted.CONSUMER,
        referral_revised.CONSUMER,
        referral_withdrawn.CONSUMER,
        referral_triaged.CONSUMER,
        mdt_action_assigned.CONSUMER,
        mdt_outcome_recorded.CONSUMER,
        mdt_action_acknowledged.CONSUMER,
        mdt_action_completed.CONSUMER,
    ),
    jobs=(lapse_assignments.JOB, review_due.JOB),
    grant_reasons=GRANT_REASONS,
    migrations=MIGRATIONS,
    event_schemas=SCHEMAS,
    definitions=DEFINITIONS,
    startup=load_measures,
)
