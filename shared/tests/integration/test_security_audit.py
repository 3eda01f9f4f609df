"""Audit rows are written in the caller's transaction and read back as FHIR R4 AuditEvents;
reads' rows are group-committed: every row durable, a failure shared by its group."""

from __future__ import annotations

import asyncio
import base64

import orjson
import pytest
from fhir.resources.R4B.auditevent import AuditEvent
from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from carecoord_shared.logging import correlation_id_var
from carecoord_shared.security.audit import AuditTrail, audit_event, audit_event_resource, record
from carecoord_shared.security.audit_group import AuditGroup, audit_group, is_autocommit
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import parse_scopes
from carecoord_shared.store.tables import resource

GP = Principal("555123456789", "staff", "gp", "A11111", None, parse_scopes("user/*.cruds"))
PARTNER = Principal("client-9", "system", "system", None, None, parse_scopes("system/*.rs"))


async def _count(engine: AsyncEngine, table: object = audit_event) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


async def test_search_writes_one_row_per_patient_with_the_correlation_id(
    engine: AsyncEngine,
) -> None:
    token = correlation_id_var.set("corr-123")
    try:
        async with engine.begin() as conn:
            ids = await record(
                conn, GP, "R", "ServiceRequest?status=active",
                ["9000000009", "9000000017", "9000000009"],
            )  # fmt: skip
    finally:
        correlation_id_var.reset(token)

    assert len(ids) == 2
    async with engine.connect() as conn:
        rows = (await conn.execute(select(audit_event).order_by(audit_event.c.patient_nhs))).all()
    assert [r.patient_nhs for r in rows] == ["9000000009", "9000000017"]
    assert {(r.action, r.outcome, r.subject, r.role, r.organisation) for r in rows} == {
        ("R", "0", "555123456789", "gp", "A11111")
    }
    assert {r.correlation_id for r in rows} == {"corr-123"}
    assert {r.entity for r in rows} == {"ServiceRequest?status=active"}


async def test_rolled_back_transaction_leaves_no_audit_row(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        await record(conn, GP, "R", "Patient/p1", "9000000009")
        await transaction.rollback()
    assert await _count(engine) == 0


async def test_failed_audit_write_fails_the_data_write(engine: AsyncEngine) -> None:
    async def write_patient_with_a_broken_audit_row() -> None:
        async with engine.begin() as conn:
            await conn.execute(
                insert(resource).values(
                    resource_type="Patient", id="p1", version_id=1, last_updated=func.now(),
                    deleted=False, content=b"{}", patient_nhs="9000000009",
                )
            )  # fmt: skip
            await record(conn, GP, "X", "Patient/p1", "9000000009")  # type: ignore[arg-type]

    with pytest.raises(DBAPIError, match="ck_audit_event_action"):
        await write_patient_with_a_broken_audit_row()
    assert await _count(engine, resource) == 0
    assert await _count(engine, audit_event) == 0


async def test_search_without_patients_is_still_audited(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await record(conn, PARTNER, "R", "CarePlan?status=active", [])
    async with engine.connect() as conn:
        row = (await conn.execute(select(audit_event))).one()
    assert row.patient_nhs is None


async def test_stored_content_is_a_valid_fhir_r4_audit_event(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await record(conn, GP, "R", "Patient/p1", "9000000009", purpose="break-glass: unconscious")
        await record(conn, PARTNER, "R", "CarePlan?patient=x", None, outcome="4")
    async with engine.connect() as conn:
        rows = (await conn.execute(select(audit_event).order_by(audit_event.c.role))).all()

    staff_row, system_row = rows
    staff = orjson.loads(staff_row.content)
    AuditEvent.model_validate(staff)
    assert staff == audit_event_resource(staff_row._mapping)
    assert staff["type"]["code"] == "rest"
    assert staff["type"]["system"] == "http://terminology.hl7.org/CodeSystem/audit-event-type"
    assert staff["agent"][0]["who"]["identifier"] == {
        "system": "https://fhir.nhs.uk/Id/sds-user-id",
        "value": "555123456789",
    }
    assert staff["entity"][0]["what"] == {"reference": "Patient/p1"}
    assert staff["entity"][1]["what"]["identifier"] == {
        "system": "https://fhir.nhs.uk/Id/nhs-number",
        "value": "9000000009",
    }
    assert staff["purposeOfEvent"][0]["coding"][0]["code"] == "BTG"

    system = orjson.loads(system_row.content)
    AuditEvent.model_validate(system)
    assert system["outcome"] == "4"
    assert "system" not in system["agent"][0]["who"]["identifier"]
    assert base64.b64decode(system["entity"][0]["query"]) == b"CarePlan?patient=x"
    assert len(system["entity"]) == 1


def _read_rows(entity: str, action: str = "R") -> list[dict[str, object]]:
    trail = AuditTrail(GP)
    trail.add(action, entity, "9990000018")  # type: ignore[arg-type]  # "X": a bad row
    return trail.take()


async def _connections(engine: AsyncEngine, count: int) -> list[AsyncConnection]:
    connections = [await engine.connect() for _ in range(count)]
    for conn in connections:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(select(1))  # connected before the race starts
    return connections


async def _entities(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        found = await conn.scalars(select(audit_event.c.entity).order_by(audit_event.c.entity))
        return list(found)


async def test_reads_finishing_together_are_one_statement_after_the_first(
    engine: AsyncEngine,
) -> None:
    group = AuditGroup()
    connections = await _connections(engine, 4)
    try:
        await asyncio.gather(
            *(group.write(conn, _read_rows(f"Task/{n}")) for n, conn in enumerate(connections))
        )
    finally:
        for conn in connections:
            await conn.close()

    assert await _entities(engine) == ["Task/0", "Task/1", "Task/2", "Task/3"]
    assert group.statements == 2  # the first alone, then the three that queued meanwhile


async def test_a_failed_group_fails_every_read_in_it_and_writes_none_of_them(
    engine: AsyncEngine,
) -> None:
    group = AuditGroup()
    connections = await _connections(engine, 3)
    rows = [_read_rows("Task/first"), _read_rows("Task/bad", action="X"), _read_rows("Task/queued")]
    try:
        outcomes = await asyncio.gather(
            *(group.write(conn, r) for conn, r in zip(connections, rows, strict=True)),
            return_exceptions=True,
        )
    finally:
        for conn in connections:
            await conn.close()

    assert outcomes[0] is None
    assert all(isinstance(o, IntegrityError) for o in outcomes[1:]), outcomes
    assert await _entities(engine) == ["Task/first"]
    # The group is free again: the next read is written at once.
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await group.write(conn, _read_rows("Task/after"))
        count = await conn.scalar(select(func.count()).select_from(audit_event))
    assert count == 2


async def test_only_autocommit_connections_use_the_group(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert not is_autocommit(conn)
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        assert is_autocommit(conn)
        assert audit_group(conn) is audit_group(conn)


class _CancelsTheNextWriter(AuditGroup):
    """Cancels `victim` at the moment the turn is handed to it (a client gone away)."""

    victim: asyncio.Task[None] | None = None

    def _hand_over(self) -> None:
        super()._hand_over()
        victim, self.victim = self.victim, None
        if victim is not None:
            victim.cancel()


async def test_a_read_cancelled_as_its_turn_comes_passes_the_turn_on(
    engine: AsyncEngine,
) -> None:
    group = _CancelsTheNextWriter()
    first, second, third = await _connections(engine, 3)
    try:
        writing = asyncio.create_task(group.write(first, _read_rows("Task/first")))
        await asyncio.sleep(0)  # the first is writing
        cancelled = asyncio.create_task(group.write(second, _read_rows("Task/cancelled")))
        queued = asyncio.create_task(group.write(third, _read_rows("Task/queued")))
        await asyncio.sleep(0)  # both queued behind it
        group.victim = cancelled
        outcomes = await asyncio.wait_for(
            asyncio.gather(writing, cancelled, queued, return_exceptions=True), 20
        )
        await asyncio.wait_for(group.write(first, _read_rows("Task/after")), 20)
    finally:
        for conn in (first, second, third):
            await conn.close()

    assert outcomes[0] is None
    assert outcomes[2] is None
    assert isinstance(outcomes[1], asyncio.CancelledError)
    assert await _entities(engine) == ["Task/after", "Task/cancelled", "Task/first", "Task/queued"]
