"""Who calls and what the directory holds, for unit tests on the in-memory world.

The same people and bodies as the HTTP tests (`bodies`): a GP at PRACTICE_A, the
provider's triage clinicians at PROVIDER, a paramedic, the borough-wide A&G service
of SPECIALTY; each caller with the scopes the development issuer gives its role.
"""

from __future__ import annotations

from typing import Any

from carecoord_devstack.testing import new_nhs_number
from carecoord_shared.fhir.registry import Write
from carecoord_shared.security.dev_issuer import DEFAULT_SCOPES
from carecoord_shared.security.principal import Principal, Role, kind_of, system_principal
from carecoord_shared.security.scopes import parse_scopes
from carecoord_shared.store.repository import StoredResource
from referrals.domain.records import TriageCase
from referrals.service import submission
from referrals.store.cases import TriageCases
from services.referrals.tests.bodies import (
    PRACTICE_A,
    PROVIDER,
    advice_line,
    healthcare_service,
    service_request,
)
from services.referrals.tests.fakes import Memory

SYSTEM = system_principal("referrals-test")
AMBULANCE = "Y0T004"


def person(role: Role, organisation: str | None, subject: str | None = None) -> Principal:
    """A caller with the scopes the development issuer gives `role`."""
    context = "user" if kind_of(role) == "staff" else kind_of(role)
    scopes = frozenset(s for s in parse_scopes(DEFAULT_SCOPES[role]) if s.context == context)
    return Principal(subject or f"{role}-1", kind_of(role), role, organisation, None, scopes)


GP = person("gp", PRACTICE_A)
CLINICIAN = person("triage-clinician", PROVIDER)
PARAMEDIC = person("paramedic", AMBULANCE, "paramedic-1")


async def stored(memory: Memory, body: dict[str, Any]) -> StoredResource:
    """`body` put in the store by the service itself (directory data, say)."""
    async with memory.operation(SYSTEM) as tx:
        found, _ = await tx.create(str(body["resourceType"]), body)
    return found


async def registered(memory: Memory, practice: str = PRACTICE_A) -> str:
    """A new patient registered at `practice`."""
    nhs_number = new_nhs_number()
    await memory.tx.grants.grant(nhs_number, "organisation", practice, "registered-practice")
    return nhs_number


async def a_service(memory: Memory, **fields: Any) -> StoredResource:
    return await stored(memory, healthcare_service(**fields))


async def an_advice_line(memory: Memory) -> StoredResource:
    return await stored(memory, advice_line("locality-1"))


async def submitted(
    memory: Memory, service: StoredResource, *, by: Principal = GP, **fields: Any
) -> StoredResource:
    """An A&G request for a new patient of the GP's, submitted over REST to `service`."""
    body = service_request(await registered(memory), performer=service.reference)
    body.update(fields)
    handler = submission.writes(memory.context)
    async with memory.transaction(by) as tx:
        found, _ = await handler(tx, Write("create", "ServiceRequest", None, body))
    assert found is not None
    return found


async def triage_case(memory: Memory, request: StoredResource) -> TriageCase:
    """The triage case submission opened for `request` (asserting there is one)."""
    case = await memory.repository(TriageCases).for_request(request.reference)
    assert case is not None
    return case
