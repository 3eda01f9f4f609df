"""In-memory fakes of the referrals repositories, and a unit of work to run handlers on.

Each fake subclasses the real repository (so `tx.repository(TriageCases)` finds it)
and keeps its rows in lists and dictionaries; `tests/store/test_*_contract.py` runs
the same scenarios against the fake and PostgreSQL, so a fake that drifts fails
there. `Memory` puts them together with the kernel's in-memory unit of work: a
handler's whole world, in memory, for unit tests that take milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from carecoord_shared.fhir.operations import Operation, OperationCall, parse_body
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.ports import Repository
from carecoord_shared.security.principal import Principal, system_principal
from carecoord_shared.testing import InMemoryInteractions, InMemoryTransaction
from referrals.domain.records import (
    AdviceCall,
    CarePlanSummary,
    Coordinator,
    LocalityCalls,
    Transition,
    TriageCase,
)
from referrals.domain.triage import TriageState
from referrals.domain.ubrn import UbrnKind, new_ubrn
from referrals.service.context import Referrals
from referrals.settings import ReferralsSettings
from referrals.store.advice_calls import AdviceCalls
from referrals.store.cases import ALARMS, TriageCases
from referrals.store.projections import CarePlanProjections
from referrals.store.ubrns import CaseOf, Ubrns


class FakeTriageCases(TriageCases):
    def __init__(self) -> None:
        self.cases: dict[str, TriageCase] = {}
        self.steps: list[Transition] = []

    async def open(self, case: TriageCase) -> None:
        if case.task in self.cases:
            raise ValueError(f"{case.task} already has a case")
        self.cases[case.task] = replace(case)

    async def for_request(self, service_request: str, *, lock: bool = False) -> TriageCase | None:
        found = [c for c in self.cases.values() if c.service_request == service_request]
        found.sort(key=lambda c: c.submitted_at, reverse=True)
        found.sort(key=lambda c: c.state is TriageState.REDIRECTED)
        return replace(found[0]) if found else None

    async def mark(self, task: str, **values: Any) -> None:
        if task in self.cases:
            self.cases[task] = replace(self.cases[task], **values)

    async def due(self, *, alarm: str, before: datetime, limit: int = 100) -> list[TriageCase]:
        if alarm not in ALARMS:
            raise ValueError(f"unknown alarm {alarm!r}")
        found = [
            replace(c)
            for c in self.cases.values()
            if c.state is TriageState.AWAITING_TRIAGE
            and getattr(c, alarm) is None
            and c.due_at < before
        ]
        return sorted(found, key=lambda c: c.due_at)[:limit]

    async def responded(self, service: str) -> list[TriageCase]:
        found = [
            replace(c)
            for c in self.cases.values()
            if c.service == service and c.responded_at is not None
        ]
        return sorted(found, key=lambda c: c.submitted_at)

    async def record(self, transition: Transition) -> None:
        self.steps.append(transition)

    async def transitions(self, service_request: str) -> list[Transition]:
        return [t for t in self.steps if t.service_request == service_request]


class FakeUbrns(Ubrns):
    def __init__(self, cases: FakeTriageCases | None = None) -> None:
        self.held: dict[str, str] = {}
        self.cases = cases or FakeTriageCases()

    async def reserve(
        self, kind: UbrnKind, service_request: str = "", opening: CaseOf | None = None
    ) -> str:
        while (value := new_ubrn(kind)) in self.held:
            pass
        self.held[value] = service_request
        if opening is not None:
            await self.cases.open(opening(value))
        return value

    async def bind(self, value: str, service_request: str) -> None:
        if value in self.held:
            self.held[value] = service_request

    async def release(self, value: str, service_request: str = "") -> None:
        if self.held.get(value) == service_request:
            del self.held[value]
            opened = [t for t, c in self.cases.cases.items() if c.ubrn == value]
            for task in opened:
                del self.cases.cases[task]

    async def holder(self, value: str) -> str | None:
        return self.held.get(value)


class FakeCarePlanProjections(CarePlanProjections):
    def __init__(self) -> None:
        self.coordinators: dict[tuple[str, str, str], Coordinator] = {}
        self.plans: dict[str, CarePlanSummary] = {}

    async def assign_coordinator(self, assigned: Coordinator) -> None:
        key = (assigned.nhs_number, assigned.care_team, assigned.kind)
        self.coordinators[key] = replace(assigned, ended=False)

    async def end_coordinator(
        self, nhs_number: str, care_team: str, kind: str, at: datetime
    ) -> None:
        key = (nhs_number, care_team, kind)
        if key in self.coordinators:
            self.coordinators[key] = replace(self.coordinators[key], ended=True, updated_at=at)

    async def revise_care_plan(self, plan: CarePlanSummary) -> None:
        kept = self.plans.get(plan.care_plan)
        if kept is None or kept.version_id < plan.version_id:
            self.plans[plan.care_plan] = plan

    async def coordinators_of(self, nhs_number: str) -> list[Coordinator]:
        found = [c for c in self.coordinators.values() if c.nhs_number == nhs_number]
        return sorted((c for c in found if not c.ended), key=lambda c: (c.cover, c.kind))

    async def care_plans_of(self, nhs_number: str) -> list[CarePlanSummary]:
        found = [p for p in self.plans.values() if p.nhs_number == nhs_number]
        return sorted(found, key=lambda p: p.updated_at, reverse=True)


class FakeAdviceCalls(AdviceCalls):
    def __init__(self) -> None:
        self.calls: list[AdviceCall] = []

    async def record(self, call: AdviceCall) -> None:
        if any(c.communication == call.communication for c in self.calls):
            raise ValueError(f"{call.communication} is recorded already")
        self.calls.append(call)

    async def by_locality(self, advice_line: str) -> list[LocalityCalls]:
        groups: dict[str | None, list[AdviceCall]] = {}
        for call in self.calls:
            if call.advice_line == advice_line:
                groups.setdefault(call.locality, []).append(call)
        ordered = sorted(groups, key=lambda locality: (locality is None, locality or ""))
        return [
            LocalityCalls(
                locality,
                len(groups[locality]),
                sum(1 for c in groups[locality] if c.outcome == "not-conveyed"),
            )
            for locality in ordered
        ]

    async def by_paramedic(
        self, paramedic: str, *, since: datetime | None = None, limit: int = 100
    ) -> list[AdviceCall]:
        found = [
            c for c in self.calls if c.paramedic == paramedic and (since is None or c.at >= since)
        ]
        return sorted(found, key=lambda c: c.at, reverse=True)[:limit]


def fake_repositories() -> dict[type[Repository], Repository]:
    cases = FakeTriageCases()
    return {
        TriageCases: cases,
        Ubrns: FakeUbrns(cases),
        CarePlanProjections: FakeCarePlanProjections(),
        AdviceCalls: FakeAdviceCalls(),
    }


@dataclass
class Memory:
    """The service's whole world in memory: one unit of work every caller shares (its
    principal switched per call by the kernel's `InMemoryInteractions`)."""

    context: Referrals = field(default_factory=Referrals)
    settings: ReferralsSettings = field(
        default_factory=lambda: ReferralsSettings(environment="test")
    )
    tx: InMemoryTransaction = field(init=False)
    fhir: InMemoryInteractions = field(init=False)

    def __post_init__(self) -> None:
        from referrals.definition import SERVICE

        registry = SERVICE.registry(self.settings, self.context)
        self.tx = InMemoryTransaction(
            registry, system_principal("referrals-test"), repositories=fake_repositories()
        )
        self.fhir = InMemoryInteractions(self.tx)

    def repository(self, kind: type[Any]) -> Any:
        return self.tx.repository(kind)

    def unit(self, principal: Principal, *, authorised: bool = False) -> FhirTransaction:
        """The unit of work a consumer is handed (as `principal`)."""
        self.tx.principal, self.tx.authorised = principal, authorised
        return self.tx

    def transaction(self, principal: Principal) -> AbstractAsyncContextManager[FhirTransaction]:
        return self.fhir.transaction(principal)

    def reads(self, principal: Principal) -> AbstractAsyncContextManager[FhirTransaction]:
        return self.fhir.reads(principal)

    def operation(self, principal: Principal) -> AbstractAsyncContextManager[FhirTransaction]:
        return self.fhir.operation(principal)

    def call(
        self,
        operation: Operation,
        principal: Principal,
        resource_id: str | None = None,
        *,
        if_match: int | None = None,
        parameters: Sequence[JsonObject] = (),
    ) -> OperationCall:
        """A call of `operation` as the kernel makes it (input read by its declaration)."""
        body = {"resourceType": "Parameters", "parameter": list(parameters)}
        return OperationCall(
            principal=principal,
            arguments=parse_body(operation, body),
            resource_id=resource_id,
            context=self.context,
            fhir=self.fhir,  # type: ignore[arg-type]
            if_match=if_match,
            base_url="http://referrals.test/fhir",
        )
