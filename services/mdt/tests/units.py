"""Handler tests without a server: the kernel's in-memory unit of work on the mdt fakes.

`fake_unit_of_work` serves the mdt registry (`SERVICE`) over `carecoord_shared.testing`
with the repository fakes of `tests/fakes.py`; `invoke` calls an operation's handler
as the kernel does (its input parsed by its own declaration); the `a_*` builders set
up a team, a meeting, a registered patient and a listed case through the service's
own code, so each test states only what it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from carecoord_devstack.testing import new_nhs_number
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, parse_body
from carecoord_shared.fhir.registry import Write
from carecoord_shared.security.principal import Principal, system_principal
from carecoord_shared.security.scopes import parse_scopes
from carecoord_shared.testing import InMemoryInteractions, InMemoryTransaction
from mdt.definition import SERVICE
from mdt.domain.commands import ListingSource, ListPatient, ScheduleMeetings
from mdt.domain.model import NhsNumber
from mdt.operations import record_outcome
from mdt.service.context import MdtContext
from mdt.service.listing import list_patient
from mdt.service.teams import schedule_meetings
from mdt.settings import MdtSettings
from services.mdt.tests.builders import team_body
from services.mdt.tests.fakes import FakeStore

WORKER = system_principal("mdt-worker")
"""Who the worker's consumers and the job act as (the kernel's system principal)."""


def fake_context(**settings: Any) -> MdtContext:
    return MdtContext(MdtSettings(**settings))


def fake_unit_of_work(
    context: MdtContext | None = None,
    principal: Principal = WORKER,
    store: FakeStore | None = None,
) -> tuple[InMemoryTransaction, FakeStore]:
    """The kernel's in-memory unit of work, serving the mdt registry, on fake tables."""
    context = context or fake_context()
    store = store or FakeStore()
    registry = SERVICE.registry(context.settings, context)
    tx = InMemoryTransaction(registry, principal, repositories=store.repositories())
    return tx, store


async def invoke(
    operation: Operation,
    tx: InMemoryTransaction,
    resource_id: str,
    *parameters: tuple[str, str, Any] | dict[str, Any],
    context: MdtContext | None = None,
) -> OperationResult:
    """Call an operation's handler as the kernel does, with its input parsed from
    `parameters` (`("reason", "valueString", "x")` or a whole part) by its own
    declaration; the scope check is the kernel's, before this."""
    parts = [p if isinstance(p, dict) else {"name": p[0], p[1]: p[2]} for p in parameters]
    body = {"resourceType": "Parameters", "parameter": parts}
    call = OperationCall(
        principal=tx.principal,
        arguments=parse_body(operation, body),
        resource_id=resource_id,
        context=context or fake_context(),
        fhir=InMemoryInteractions(tx),  # type: ignore[arg-type]
        if_match=None,
        base_url="http://mdt.test/fhir",
    )
    return await operation.handler(call)


def staff(user: str, organisation: str = "A81001", role: str = "gp") -> Principal:
    """A member of staff with every user scope (the kernel checks scopes, not handlers)."""
    return Principal(user, "staff", role, organisation, None, parse_scopes("user/*.cruds"))  # type: ignore[arg-type]


async def a_team(tx: InMemoryTransaction, body: dict[str, Any] | None = None) -> str:
    """A CareTeam written as REST writes it (through the type's write handler)."""
    stored, _ = await tx.write(Write("create", "CareTeam", None, body or team_body()))
    assert stored is not None
    return stored.id


async def a_meeting(tx: InMemoryTransaction, mdt_id: str, days_ahead: int = 7) -> str:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days_ahead)
    command = ScheduleMeetings(start, 1, 1, 90, 3.2)
    [meeting] = await schedule_meetings(tx, mdt_id, command)
    return meeting.id


async def a_patient(tx: InMemoryTransaction, store: FakeStore, practice: str = "A81001") -> str:
    """A patient registered at `practice` (its grant and this service's projection)."""
    nhs = new_nhs_number()
    await tx.grants.grant(nhs, "organisation", practice, "registered-practice")
    await store.patients.update(nhs, practice=practice)
    return nhs


async def a_case(
    tx: InMemoryTransaction, mdt_id: str, nhs: str, nominator: str = "sds-chair-1"
) -> str:
    """The patient nominated to the MDT (on its next booked meeting, if it has one)."""
    source = ListingSource("nomination", "Falls", nominator=nominator, at="2030-01-01T00:00:00Z")
    command = ListPatient(NhsNumber(nhs), source, "routine", "What next?")
    stored, _ = await list_patient(tx, mdt_id, command, datetime.now(UTC))
    return stored.id


@dataclass
class Listed:
    """A patient's case on an MDT's one booked meeting, in a fake unit of work."""

    tx: InMemoryTransaction
    store: FakeStore
    mdt_id: str
    meeting: str
    nhs: str
    case: str
    context: MdtContext


async def a_listed_case(context: MdtContext | None = None) -> Listed:
    """The team, its meeting and a nominated patient; the chair is acting."""
    context = context or fake_context()
    tx, store = fake_unit_of_work(context)
    mdt_id = await a_team(tx)
    meeting = await a_meeting(tx, mdt_id)
    nhs = await a_patient(tx, store)
    case = await a_case(tx, mdt_id, nhs)
    tx.principal = staff("sds-chair-1")
    return Listed(tx, store, mdt_id, meeting, nhs, case, context)


async def discussed(listed: Listed, *actions: dict[str, Any]) -> list[str]:
    """The case discussed with these `action` parts; the ids of the action Tasks."""
    status = ("status", "valueCode", "discussed")
    await invoke(record_outcome.OPERATION, listed.tx, listed.case, status, *actions)
    return sorted(a.id for a in listed.store.actions.rows.values() if a.case_id == listed.case)
