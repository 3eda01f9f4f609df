"""A whole care plans service on fakes: the kernel's in-memory unit of work with this
service's repository fakes (`tests/fakes.py`), the clock pinned at `NOW`, and calls of
operations and jobs as the kernel makes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from care_plans.definition import SERVICE
from care_plans.service.context import CarePlansContext
from care_plans.settings import CarePlansSettings
from care_plans.store.coordination import AssignmentRepository
from care_plans.store.plans import PlanIndexRepository
from care_plans.store.referral_activity import ReferralActivityRepository
from care_plans.store.register import RegisterRepository
from carecoord_shared.events import Event, new_event
from carecoord_shared.fhir.operations import Operation, OperationCall, parse_body
from carecoord_shared.fhir.registry import Write
from carecoord_shared.security.dev_issuer import DEFAULT_SCOPES
from carecoord_shared.security.principal import Principal, Role, system_principal
from carecoord_shared.security.scopes import parse_scopes
from carecoord_shared.service import JobCall
from carecoord_shared.testing import InMemoryInteractions, InMemoryTransaction
from services.care_plans.tests import builders
from services.care_plans.tests.fakes import (
    InMemoryAssignments,
    InMemoryPlanIndex,
    InMemoryReferralActivity,
    InMemoryRegister,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
WORKER = system_principal("care_plans-worker")


def clock() -> datetime:
    return NOW


def staff(role: Role = "gp", organisation: str = "A81001", subject: str | None = None) -> Principal:
    """A member of staff with the scopes the development issuer gives their role."""
    scopes = parse_scopes(DEFAULT_SCOPES[role])
    return Principal(subject or f"dev-{role}", "staff", role, organisation, None, scopes)


@dataclass(slots=True)
class FakeCarePlans:
    """The service's unit of work on fakes: the kernel's in-memory store, grants and
    outbox, and this service's repositories, with the clock pinned at `NOW`."""

    tx: InMemoryTransaction
    context: CarePlansContext
    register: InMemoryRegister
    activity: InMemoryReferralActivity
    assignments: InMemoryAssignments
    plans: InMemoryPlanIndex

    def acting_as(self, principal: Principal, *, authorised: bool = False) -> InMemoryTransaction:
        """The same store, grants and outbox, as `principal` (REST writes: not authorised)."""
        self.tx.principal = principal
        self.tx.authorised = authorised
        return self.tx

    def events(self, event_type: str) -> list[dict[str, Any]]:
        return [e.data for e in self.tx.fake_outbox.events if e.type == event_type]

    async def write(
        self, body: dict[str, Any], principal: Principal = WORKER, **options: Any
    ) -> dict[str, Any]:
        """A REST create (or, with `resource_id`, update) by `principal`: the stored JSON."""
        resource_id = options.pop("resource_id", None)
        kind = "create" if resource_id is None else "update"
        write = Write(kind, body["resourceType"], resource_id, body, **options)
        tx = self.acting_as(principal)
        stored, _ = await tx.write(write)
        await tx.finish()  # the request's unit of work commits
        assert stored is not None
        return stored.as_json()

    async def registered(self, nhs_number: str, *conditions: str, **patient: Any) -> str:
        """A patient on the register (written by the worker, as the demographics feed
        would), with `conditions` (SNOMED CT): their Patient id."""
        created = await self.write(builders.patient(nhs_number, **patient))
        for code in conditions:
            await self.write(builders.condition(nhs_number, code))
        return str(created["id"])


def fake_care_plans() -> FakeCarePlans:
    context = CarePlansContext(CarePlansSettings(environment="test"), clock)
    registry = SERVICE.registry(context.settings, context)
    register = InMemoryRegister()
    activity = InMemoryReferralActivity()
    assignments = InMemoryAssignments()
    plans = InMemoryPlanIndex(register)
    tx = InMemoryTransaction(
        registry,
        WORKER,
        repositories={
            RegisterRepository: register,
            ReferralActivityRepository: activity,
            AssignmentRepository: assignments,
            PlanIndexRepository: plans,
        },
    )
    register.store = tx
    return FakeCarePlans(tx, context, register, activity, assignments, plans)


def operation_call(
    fake: FakeCarePlans,
    operation: Operation,
    parameters: list[dict[str, Any]],
    principal: Principal,
    resource_id: str | None = None,
) -> OperationCall:
    """A call of `operation` as the kernel makes it, its Parameters checked by the
    operation's own declaration."""
    body = {"resourceType": "Parameters", "parameter": parameters}
    return OperationCall(
        principal=principal,
        arguments=parse_body(operation, body),
        resource_id=resource_id,
        context=fake.context,
        fhir=InMemoryInteractions(fake.tx),  # type: ignore[arg-type]
        if_match=None,
        base_url="http://care-plans.test/fhir",
    )


def job_call(fake: FakeCarePlans) -> JobCall:
    return JobCall(InMemoryInteractions(fake.tx), fake.context, WORKER)  # type: ignore[arg-type]


def foreign_event(event_type: str, subject: str, nhs_number: str, **data: Any) -> Event:
    """An event another service published about the patient."""
    source = "urn:carecoord:mdt" if ".mdt." in event_type else "urn:carecoord:referrals"
    return new_event(
        event_type,
        source=source,
        subject=subject,
        nhs_number=nhs_number,
        data={"nhsNumber": nhs_number, **data},
    )
