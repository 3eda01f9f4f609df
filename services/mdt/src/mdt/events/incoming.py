"""What the MDT service does with the referrals and care plans services' events.

Each event first updates this service's projection (the patient's practice, risk,
cohorts and plan review date; their recent referrals and advice calls), then the
auto-listing rules decide whether it lists the patient with the MDT that serves their
practice (or, for an advice-line call, the call's locality). A patient's named
co-ordinator (care plans' co-ordinator events) is their care team, and sees the
patient's MDT cases and actions for as long as the assignment runs. Handlers run in the
consumer's transaction beside the inbox record, so a redelivered event changes
nothing; the case also remembers the event id that listed it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from carecoord_shared.events import Event, RejectEvent
from carecoord_shared.fhir.identifiers import is_valid_nhs_number
from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.logging import get_logger
from carecoord_shared.security import access
from carecoord_shared.worker import Subscription
from mdt.domain import rules
from mdt.domain.commands import ListingSource, ListPatient
from mdt.domain.model import NhsNumber
from mdt.service import listing
from mdt.service.transaction import RULES_PRINCIPAL, service_transaction
from mdt.settings import MdtSettings
from mdt.store import cases, teams
from mdt.store.projections import parse_day, parse_instant, record_activity, update_patient

log = get_logger(__name__)
Handler = Callable[[AsyncConnection, Event], Awaitable[None]]


def patient_of(event: Event) -> str:
    nhs = str(event.data.get("nhsNumber") or "")
    if not is_valid_nhs_number(nhs):
        raise RejectEvent("the event names no valid NHS number")
    return nhs


def _sds_user(event: Event) -> str | None:
    coordinator = event.data.get("coordinator")
    user = coordinator.get("sdsUserId") if isinstance(coordinator, dict) else None
    return str(user) if user else None


class Rules:
    """The event handlers, bound to this deployment's settings and registry."""

    def __init__(self, settings: MdtSettings, registry: FhirRegistry) -> None:
        self.settings = settings
        self.registry = registry

    async def _list(
        self,
        conn: AsyncConnection,
        event: Event,
        nhs: str,
        match: rules.RuleMatch | None,
        locality: str | None = None,
    ) -> None:
        if match is None or match.rule in self.settings.disabled_rules:
            return
        known = await cases.patient(conn, nhs)
        serving = await teams.teams_serving(conn, known.practice if known else None, locality)
        if not serving:
            log.info("mdt.rule_no_team", rule=match.rule, event_id=event.id)
            return
        at = event.time.isoformat().replace("+00:00", "Z")
        source = ListingSource(match.rule, match.reason, event.id, event.type, at=at)
        command = ListPatient(NhsNumber(nhs), source, match.urgency, match.question)
        tx = service_transaction(conn, self.registry, RULES_PRINCIPAL)
        try:
            await listing.list_patient(tx, self.settings.topic, serving[0], command)
        except FhirError as error:  # a business rule (say, the team closed): nothing to list
            if error.status != 422:
                raise
            log.info("mdt.rule_not_applied", rule=match.rule, event_id=event.id)

    async def registered(self, conn: AsyncConnection, event: Event) -> None:
        nhs, data = patient_of(event), event.data
        previous, practice = data.get("previousPractice"), data.get("practice")
        if previous and previous != practice:
            await access.end_grant(conn, nhs, "organisation", str(previous), "registered-practice")
        if practice:
            await access.grant(conn, nhs, "organisation", str(practice), "registered-practice")
        await update_patient(conn, nhs, practice=str(practice) if practice else None)

    async def coordinator_assigned(self, conn: AsyncConnection, event: Event) -> None:
        """The patient's named co-ordinator is in their care team: they see its MDT data."""
        nhs, user = patient_of(event), _sds_user(event)
        if user:
            period = event.data.get("period")
            ends = parse_instant(period.get("end") if isinstance(period, dict) else None)
            await access.grant(conn, nhs, "user", user, "care-team", valid_to=ends)

    async def coordinator_ended(self, conn: AsyncConnection, event: Event) -> None:
        nhs, user = patient_of(event), _sds_user(event)
        if user:
            await access.end_grant(conn, nhs, "user", user, "care-team")

    async def cohort_changed(self, conn: AsyncConnection, event: Event) -> None:
        nhs, data = patient_of(event), event.data
        given = data.get("riskScore")
        risk = float(given) if isinstance(given, int | float) else None
        cohorts = [str(c) for c in data.get("cohorts") or []]
        await update_patient(conn, nhs, cohorts=cohorts, risk_score=risk)
        if risk is not None:
            await cases.refresh_risk(conn, nhs, risk)
        await self._list(conn, event, nhs, rules.cohort_entered(data))

    async def plan_revised(self, conn: AsyncConnection, event: Event) -> None:
        await update_patient(
            conn, patient_of(event), review_due_on=parse_day(event.data.get("nextReviewDue"))
        )

    async def review_due(self, conn: AsyncConnection, event: Event) -> None:
        nhs = patient_of(event)
        await update_patient(conn, nhs, review_due_on=parse_day(event.data.get("dueOn")))
        await self._list(conn, event, nhs, rules.review_overdue(event.data))

    async def submitted(self, conn: AsyncConnection, event: Event) -> None:
        nhs, data = patient_of(event), event.data
        advice = rules.is_advice_request(data)
        kind = "advice-and-guidance" if advice else "referral"
        await record_activity(
            conn, str(data.get("serviceRequest") or event.subject), nhs, kind, event.time
        )
        if not advice:
            return
        window = self.settings.repeat_advice_window_days
        since = event.time - timedelta(days=window)
        count = len(await cases.recent_activity(conn, nhs, since, "advice-and-guidance"))
        match = rules.repeated_advice(count, self.settings.repeat_advice_requests, window)
        await self._list(conn, event, nhs, match)

    async def triaged(self, conn: AsyncConnection, event: Event) -> None:
        await self._list(conn, event, patient_of(event), rules.triage_requested(event.data))

    async def advice_call(self, conn: AsyncConnection, event: Event) -> None:
        nhs, data = patient_of(event), event.data
        await record_activity(
            conn, str(data.get("communication") or event.subject), nhs, "advice-call", event.time
        )
        locality = data.get("locality")
        await self._list(
            conn, event, nhs, rules.conveyance_avoided(data), str(locality) if locality else None
        )


def subscriptions(settings: MdtSettings, registry: FhirRegistry) -> list[Subscription]:
    handlers = Rules(settings, registry)
    care_plans: dict[str, Handler] = {
        "carecoord.patient.registered.v1": handlers.registered,
        "carecoord.patient.cohort-changed.v1": handlers.cohort_changed,
        "carecoord.coordinator.assigned.v1": handlers.coordinator_assigned,
        "carecoord.coordinator.ended.v1": handlers.coordinator_ended,
        "carecoord.careplan.revised.v1": handlers.plan_revised,
        "carecoord.careplan.review-due.v1": handlers.review_due,
    }
    referrals: dict[str, Handler] = {
        "carecoord.referral.submitted.v1": handlers.submitted,
        "carecoord.referral.triaged.v1": handlers.triaged,
        "carecoord.advice-call.recorded.v1": handlers.advice_call,
    }
    return [
        Subscription("care-plans", (settings.care_plans_topic,), care_plans),
        Subscription("referrals", (settings.referrals_topic,), referrals),
    ]
