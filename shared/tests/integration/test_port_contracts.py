"""The in-memory unit of work and ports behave like the PostgreSQL ones.

Handlers are unit-tested on `carecoord_shared.testing`'s fakes; these contract tests
run the same scenarios against the fake and against the real unit of work on a
fresh PostgreSQL database, so a fake that drifts from the real thing fails here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from carecoord_devstack.testing import create_fresh_database
from carecoord_shared.db import create_engine, migrate_async
from carecoord_shared.events import outbox
from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.registry import FhirRegistry, ResourceDefinition, SearchParam
from carecoord_shared.fhir.registry import nhs_number_at as at
from carecoord_shared.fhir.unit_of_work import FhirTransaction, fhir_transaction
from carecoord_shared.security.audit import audit_event
from carecoord_shared.security.principal import Principal, system_principal
from carecoord_shared.security.scopes import parse_scopes
from carecoord_shared.testing import InMemoryTransaction

NHS_A, NHS_B = "9990000018", "9990000026"
SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
REASONS = frozenset({"registered-practice"})

GP = Principal("gp-1", "staff", "gp", "B82002", None, parse_scopes("user/*.cruds"))


def _registry() -> FhirRegistry:
    registry = FhirRegistry(
        "contract", topic="carecoord.contract.v1", event_source="urn:x", grant_reasons=REASONS
    )
    return registry.add(
        ResourceDefinition(
            "Communication",
            patient_nhs=at("Communication.subject"),
            search_params=(
                SearchParam("status", "token", "Communication.status"),
                SearchParam("subject", "reference", "Communication.subject", ("Patient",)),
            ),
        ),
        ResourceDefinition("Basic", require_if_match=True),
    )


Units = Callable[[Principal], AbstractAsyncContextManager[FhirTransaction]]


@pytest.fixture(params=["in-memory", "postgresql"])
async def units(
    request: pytest.FixtureRequest, infrastructure: None
) -> AsyncIterator[tuple[Units, Any, Any]]:
    """Units of work sharing one store, and ways to read back what reached the outbox
    and who was audited for an entity (subject, patient, purpose: a row per patient)."""
    registry = _registry()
    if request.param == "in-memory":
        fake = InMemoryTransaction(registry, system_principal("contract"))

        @asynccontextmanager
        async def memory(principal: Principal) -> AsyncIterator[FhirTransaction]:
            fake.principal = principal
            yield fake

        async def memory_events() -> list[str]:
            return fake.fake_outbox.types()

        async def memory_audited(entity: str) -> list[tuple[str, str, str | None]]:
            return [
                (access.subject, patient, access.purpose)
                for access in fake.accesses
                if access.entity == entity
                for patient in access.patients
            ]

        yield memory, memory_events, memory_audited
        return
    url = await create_fresh_database("contract")
    await migrate_async(url)
    engine = create_engine(url, 2)

    def real(principal: Principal) -> AbstractAsyncContextManager[FhirTransaction]:
        return fhir_transaction(engine, registry, principal, authorised=True)

    async def real_events() -> list[str]:
        async with engine.connect() as conn:
            return list((await conn.scalars(sa.select(outbox.c.type).order_by(outbox.c.seq))).all())

    async def real_audited(entity: str) -> list[tuple[str, str, str | None]]:
        columns = (audit_event.c.subject, audit_event.c.patient_nhs, audit_event.c.purpose)
        query = sa.select(*columns).where(audit_event.c.entity == entity)
        async with engine.connect() as conn:
            rows = (await conn.execute(query.order_by(audit_event.c.recorded))).all()
        return [(subject, patient, purpose) for subject, patient, purpose in rows]

    try:
        yield real, real_events, real_audited
    finally:
        await engine.dispose()


def _message(nhs: str) -> dict[str, Any]:
    return {
        "resourceType": "Communication",
        "status": "completed",
        "subject": {"identifier": {"system": SYSTEM, "value": nhs}},
    }


async def test_a_grant_lets_the_practice_see_the_patient_until_it_ends(units: Any) -> None:
    unit, _, _ = units
    async with unit(system_principal("contract")) as tx:
        stored, created = await tx.create("Communication", _message(NHS_A))
    assert created
    async with unit(GP) as tx:
        assert not await tx.may_access(NHS_A)
        with pytest.raises(FhirError) as hidden:
            await tx.read("Communication", stored.id)
    assert hidden.value.status == 404
    async with unit(system_principal("contract")) as tx:
        await tx.grants.grant(NHS_A, "organisation", "B82002", "registered-practice")
        [grant] = await tx.grants.running(NHS_A)
    assert (grant.party, grant.reason) == ("B82002", "registered-practice")
    async with unit(GP) as tx:
        assert await tx.may_access(NHS_A)
        assert (await tx.read("Communication", stored.id)).id == stored.id
        assert not await tx.may_access(NHS_B)
    async with unit(system_principal("contract")) as tx:
        assert await tx.grants.end(NHS_A, "organisation", "B82002", "registered-practice")
        assert not await tx.grants.end(NHS_A, "organisation", "B82002", "registered-practice")
        assert await tx.grants.running(NHS_A) == []


async def test_an_unregistered_grant_reason_is_refused(units: Any) -> None:
    unit, _, _ = units
    async with unit(system_principal("contract")) as tx:
        with pytest.raises(ValueError, match="not registered"):
            await tx.grants.grant(NHS_A, "organisation", "B82002", "friendship")


async def test_announced_events_reach_the_outbox_in_order(units: Any) -> None:
    unit, events, _ = units
    async with unit(system_principal("contract")) as tx:
        first = await tx.outbox.announce(
            "carecoord.x.one.v1", subject="Communication/1", nhs_number=NHS_A, data={"n": 1}
        )
        await tx.outbox.announce(
            "carecoord.x.two.v1", subject="Communication/1", nhs_number=NHS_A, data={"n": 2}
        )
    assert first.data == {"n": 1, "nhsNumber": NHS_A}
    assert await events() == ["carecoord.x.one.v1", "carecoord.x.two.v1"]


async def test_versions_if_match_and_search_by_token_and_reference(units: Any) -> None:
    unit, _, _ = units
    async with unit(system_principal("contract")) as tx:
        stored, _ = await tx.create("Communication", _message(NHS_A))
        await tx.create("Communication", {**_message(NHS_B), "status": "in-progress"})
        updated, created = await tx.update(
            "Communication", stored.id, {**_message(NHS_A), "id": stored.id}, if_match=1
        )
        assert (updated.version_id, created) == (2, False)
        with pytest.raises(FhirError) as stale:
            await tx.update(
                "Communication", stored.id, _message(NHS_A) | {"id": stored.id}, if_match=1
            )
        assert stale.value.status == 412
        by_status = await tx.search("Communication", [("status", "in-progress")])
        by_patient = await tx.search("Communication", [("subject:identifier", f"{SYSTEM}|{NHS_A}")])
    assert [orjson.loads(m.content or b"{}")["status"] for m in by_status.matches] == [
        "in-progress"
    ]
    assert [m.id for m in by_patient.matches] == [stored.id]
    assert by_patient.matches[0].patient_nhs == NHS_A


async def test_a_resource_about_no_related_patient_cannot_be_written_by_a_gp(units: Any) -> None:
    unit, _, _ = units
    async with unit(GP) as tx:
        with pytest.raises(FhirError) as refused:
            await tx.create("Communication", _message(NHS_B))
    assert refused.value.status == 403


async def test_an_access_recorded_outside_the_store_is_audited_with_the_callers_subject(
    units: Any,
) -> None:
    unit, _, audited = units
    async with unit(GP) as tx:
        await tx.record_access("R", "Patient/summary-1", [NHS_A, NHS_B], purpose="advice-call")
    assert sorted(await audited("Patient/summary-1")) == [
        ("gp-1", NHS_A, "advice-call"),
        ("gp-1", NHS_B, "advice-call"),
    ]


async def test_a_type_that_requires_if_match_refuses_an_update_without_one(units: Any) -> None:
    unit, _, _ = units
    async with unit(system_principal("contract")) as tx:
        stored, _ = await tx.create("Basic", {"resourceType": "Basic", "code": {"text": "a"}})
        body = {"resourceType": "Basic", "id": stored.id, "code": {"text": "b"}}
        with pytest.raises(FhirError) as refused:
            await tx.update("Basic", stored.id, body, if_match=None)
        assert refused.value.status == 428
        updated, _ = await tx.update("Basic", stored.id, body, if_match=1)
    assert updated.version_id == 2
