"""The referrals service, declared: what it serves, does, consumes and runs on a clock.

The kernel builds the API (`main`) and the worker (`worker`) from this one
declaration. A new operation, consumer or job is its own module plus one line here.
"""

from __future__ import annotations

from carecoord_shared.fhir.registry import ResourceDefinition
from carecoord_shared.service import Clock, ServiceDefinition
from referrals.domain.vocabulary import GRANT_REASONS
from referrals.events import (
    SCHEMAS,
    careplan_revised,
    coordinator_assigned,
    coordinator_ended,
    patient_registered,
)
from referrals.fhir.measure_definitions import MEASURE, define_measures
from referrals.fhir.published import DEFINITIONS
from referrals.fhir.resources import resources
from referrals.jobs import breach_scan
from referrals.operations import (
    advice_call_grants,
    advice_lines,
    avoided_conveyance,
    paramedic_summary,
    record_advice_call,
    response_report,
    triage,
    triage_history,
)
from referrals.service import conversation, directory, submission
from referrals.service.context import Referrals
from referrals.settings import ReferralsSettings
from referrals.store.tables import MIGRATIONS


def context(settings: ReferralsSettings, clock: Clock) -> Referrals:
    return Referrals(
        imminent_working_days=settings.breach_warning_working_days,
        advice_call_minutes=settings.advice_call_access_minutes,
        advice_calls_per_hour=settings.advice_calls_per_hour,
        max_attachment_bytes=settings.max_attachment_bytes,
        now=clock,
    )


def served(ctx: Referrals) -> list[ResourceDefinition]:
    """The resource types, with the REST writes that do more than store."""
    writes = {
        "ServiceRequest": submission.writes(ctx),
        "Communication": conversation.writes(ctx),
        **directory.writes(),
    }
    return [*resources(ctx.max_attachment_bytes, writes), MEASURE]


SERVICE = ServiceDefinition(
    name="referrals",
    title="CareCoord referrals",
    description="Advice & guidance and referral triage, the service directory and "
    "paramedic advice lines, as FHIR R4.",
    settings=ReferralsSettings,
    resources=served,
    context=context,
    operations=[
        triage.OPERATION,
        triage_history.OPERATION,
        response_report.OPERATION,
        advice_lines.OPERATION,
        record_advice_call.OPERATION,
        avoided_conveyance.OPERATION,
        paramedic_summary.OPERATION,
        advice_call_grants.OPERATION,
    ],
    consumers=[
        patient_registered.CONSUMER,
        coordinator_assigned.CONSUMER,
        coordinator_ended.CONSUMER,
        careplan_revised.CONSUMER,
    ],
    jobs=[breach_scan.JOB],
    grant_reasons=GRANT_REASONS,
    migrations=MIGRATIONS,
    event_schemas=SCHEMAS,
    event_source="urn:carecoord:referrals",
    definitions=DEFINITIONS,
    startup=define_measures,
)
