"""In-memory fakes of this service's repositories (a whole service on them: `units.py`).

Handlers (write handlers, consumers, jobs, the service layer) reach their tables only
through `tx.repository(...)`, so on the kernel's `InMemoryTransaction` with these
fakes their rules run in milliseconds. Each fake is held to its PostgreSQL repository
by one contract test (`tests/store/test_<repository>_contract.py`), run against both.
The worklist and indicator repositories are queries over the kernel's resource table
under the caller's access rule and have no fake: they are tested on PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from care_plans.domain.care_plan import DueReview, PlanFacts, next_review_due
from care_plans.domain.coordination import (
    Assignment,
    AssignmentId,
    AssignmentRecord,
    Coordination,
)
from care_plans.domain.referrals import ReferralActivity
from care_plans.domain.register import RegisterEntry
from care_plans.store.coordination import AssignmentRepository
from care_plans.store.plans import PlanIndexRepository
from care_plans.store.referral_activity import ReferralActivityRepository
from care_plans.store.register import RegisterRepository, Stratified
from carecoord_shared.testing import InMemoryTransaction

Json = dict[str, Any]


class InMemoryRegister(RegisterRepository):
    """The register in a dict; Conditions are read from the fake unit of work's store."""

    def __init__(self) -> None:
        self.store: InMemoryTransaction | None = None
        self.entries: dict[str, RegisterEntry] = {}

    async def conditions_of_all(self, patients: Collection[str]) -> dict[str, list[Json]]:
        assert self.store is not None, "attach the unit of work whose Conditions to read"
        found: dict[str, list[Json]] = {}
        for (kind, _), versions in self.store.versions.items():
            latest, patient = versions[-1], str(versions[-1].patient_nhs)
            if kind == "Condition" and not latest.deleted and patient in patients:
                found.setdefault(patient, []).append(latest.as_json())
        return found

    async def enrol(self, entry: RegisterEntry) -> None:
        known = self.entries.get(entry.nhs_number)
        if known is not None:
            entry = replace(
                entry,
                cohorts=known.cohorts,
                risk_score=known.risk_score,
                six_monthly_review=known.six_monthly_review,
            )
        self.entries[entry.nhs_number] = entry

    async def remove(self, nhs_number: str) -> None:
        self.entries.pop(nhs_number, None)

    async def entries_of(self, nhs_numbers: Collection[str]) -> dict[str, RegisterEntry]:
        return {n: self.entries[n] for n in sorted(nhs_numbers) if n in self.entries}

    async def save_stratifications(self, saved: Sequence[Stratified]) -> None:
        for nhs_number, cohorts, score, six_monthly in saved:
            if (known := self.entries.get(nhs_number)) is not None:
                self.entries[nhs_number] = replace(
                    known, cohorts=tuple(cohorts), risk_score=score, six_monthly_review=six_monthly
                )

    async def nhs_number_of(self, patient_id: str) -> str | None:
        return next(
            (e.nhs_number for e in self.entries.values() if e.patient_id == patient_id), None
        )

    async def six_monthly(self, nhs_number: str) -> bool:
        known = self.entries.get(nhs_number)
        return known is not None and known.six_monthly_review


class InMemoryReferralActivity(ReferralActivityRepository):
    def __init__(self) -> None:
        self.facts: dict[str, ReferralActivity] = {}

    async def project_all(self, facts: Sequence[ReferralActivity]) -> None:
        for fact in facts:
            known = self.facts.get(fact.service_request)
            if known is None or known.version_id < fact.version_id:
                self.facts[fact.service_request] = fact

    async def find(self, service_request: str) -> ReferralActivity | None:
        return self.facts.get(service_request)

    async def recent_requests_of(self, nhs_numbers: Collection[str], today: date) -> dict[str, int]:
        since = today - timedelta(days=365)
        recent = Counter(
            fact.nhs_number
            for fact in self.facts.values()
            if fact.nhs_number in nhs_numbers and fact.updated_at.astimezone(UTC).date() > since
        )
        return {str(nhs): count for nhs, count in recent.items()}


class InMemoryAssignments(AssignmentRepository):
    def __init__(self) -> None:
        self.records: dict[AssignmentId, AssignmentRecord] = {}
        self.coordination: dict[str, Coordination] = {}
        self._ids = itertools.count(1)

    async def running(self, patient_nhs: str, cover: bool) -> AssignmentRecord | None:
        return next(
            (
                r
                for r in self.records.values()
                if r.patient_nhs == patient_nhs and r.cover is cover and r.running
            ),
            None,
        )

    async def holds_running(self, patient_nhs: str, sds_user_id: str) -> bool:
        return any(
            r.patient_nhs == patient_nhs and r.coordinator.sds_user_id == sds_user_id and r.running
            for r in self.records.values()
        )

    async def end(self, assignment_id: AssignmentId, at: datetime, reason: str) -> None:
        record = self.records[assignment_id]
        self.records[assignment_id] = replace(record, ended_at=at, ended_reason=reason)

    async def add(self, patient_nhs: str, patient_id: str, assignment: Assignment) -> AssignmentId:
        if any(
            r.patient_nhs == patient_nhs and r.cover is assignment.cover and r.running
            for r in self.records.values()
        ):
            raise AssertionError("the partial unique index allows one running assignment")
        new_id = AssignmentId(next(self._ids))
        self.records[new_id] = AssignmentRecord(
            new_id,
            patient_nhs,
            patient_id,
            assignment.kind,
            assignment.cover,
            assignment.coordinator,
            assignment.start,
            assignment.end,
            assignment.reason,
        )
        return new_id

    async def history(self, patient_nhs: str) -> list[AssignmentRecord]:
        return [r for r in self.records.values() if r.patient_nhs == patient_nhs]

    async def lapsed(self, now: datetime, limit: int = 200) -> list[AssignmentRecord]:
        due = [
            r
            for r in self.records.values()
            if r.running and r.period_end is not None and r.period_end <= now
        ]
        return sorted(due, key=lambda r: (r.patient_nhs, r.id))[:limit]

    async def coordination_of(self, patient_nhs: str) -> Coordination | None:
        return self.coordination.get(patient_nhs)

    async def remember_coordination(self, patient_nhs: str, coordination: Coordination) -> None:
        assert patient_nhs not in self.coordination, "one coordination row per patient"
        self.coordination[patient_nhs] = coordination


@dataclass(slots=True)
class IndexedPlan:
    patient_nhs: str
    facts: PlanFacts
    review_due_announced: date | None = None


class InMemoryPlanIndex(PlanIndexRepository):
    """The plan index; the review interval comes from the register fake, as the real
    one joins the register."""

    def __init__(self, register: InMemoryRegister) -> None:
        self.register = register
        self.plans: dict[str, IndexedPlan] = {}

    def _active_comprehensive(self, patient_nhs: str) -> list[str]:
        return [
            plan_id
            for plan_id, row in self.plans.items()
            if row.patient_nhs == patient_nhs and row.facts.comprehensive and row.facts.active
        ]

    async def other_active_comprehensive(self, patient_nhs: str, plan_id: str) -> str | None:
        others = [p for p in self._active_comprehensive(patient_nhs) if p != plan_id]
        return others[0] if others else None

    def as_stored(self, plan_id: str, patient_nhs: str, facts: PlanFacts) -> None:
        """Every save is written here: nothing to skip."""

    async def save(self, plan_id: str, patient_nhs: str, facts: PlanFacts) -> None:
        known = self.plans.get(plan_id)
        same_review = known is not None and known.facts.last_reviewed == facts.last_reviewed
        announced = known.review_due_announced if known is not None and same_review else None
        self.plans[plan_id] = IndexedPlan(patient_nhs, facts, announced)

    async def forget(self, plan_id: str) -> None:
        self.plans.pop(plan_id, None)

    async def active_comprehensive_of(self, patients: Collection[str]) -> dict[str, str | None]:
        found = {p: self._active_comprehensive(p) for p in patients}
        return {p: plans[0] if plans else None for p, plans in found.items()}

    async def due_unannounced(self, today: date, limit: int = 200) -> list[DueReview]:
        found = []
        for plan_id, row in self.plans.items():
            six_monthly = await self.register.six_monthly(row.patient_nhs)
            due = next_review_due(row.facts.last_reviewed, six_monthly)
            if not (row.facts.comprehensive and row.facts.active) or due is None:
                continue
            if due <= today and row.review_due_announced != due:
                found.append(DueReview(plan_id, row.patient_nhs, due))
        return sorted(found, key=lambda r: r.patient_nhs)[:limit]

    async def mark_announced(self, plan_id: str, due_on: date) -> None:
        self.plans[plan_id].review_due_announced = due_on
