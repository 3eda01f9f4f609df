"""A unit of work in a transaction ends with one statement (issue 16): its audit rows
and the events it announced are written together, just before it commits, exactly
as they would be written apart; with no events its audit rows go alone, and a unit
of work that rolls back leaves neither."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from carecoord_devstack.testing import create_fresh_database
from carecoord_shared.db import create_engine, migrate_async
from carecoord_shared.events.outbox import outbox
from carecoord_shared.fhir.registry import FhirRegistry
from carecoord_shared.fhir.unit_of_work import FhirTransaction, fhir_transaction
from carecoord_shared.security.audit import audit_event, audit_event_resource
from carecoord_shared.security.principal import Principal
from carecoord_shared.security.scopes import parse_scopes
from carecoord_shared.testing.statements import counting

NHS_A, NHS_B = "9990000018", "9990000026"
GP = Principal("gp-1", "staff", "gp", "B82002", None, parse_scopes("user/*.cruds"))
REGISTRY = FhirRegistry("finish", topic="carecoord.finish.v1", event_source="urn:finish")


@pytest.fixture
async def engine(infrastructure: None) -> AsyncIterator[AsyncEngine]:
    url = await create_fresh_database("finish")
    await migrate_async(url)
    engine = create_engine(url, 2)
    try:
        yield engine
    finally:
        await engine.dispose()


Audited = tuple[uuid.UUID, str, str, str | None, str | None]
"""An audit row: id, action, entity, patient, purpose."""


def _audit(tx: FhirTransaction) -> list[Audited]:
    """Rows of every shape (several patients, none, a purpose); the rows to be stored."""
    read = tx.audit_trail.add("R", "Communication/c1", [NHS_A, NHS_B], purpose="emergency")
    (made,) = tx.audit_trail.add("C", "Organization/o1", None)
    return [
        (read[0], "R", "Communication/c1", NHS_A, "emergency"),
        (read[1], "R", "Communication/c1", NHS_B, "emergency"),
        (made, "C", "Organization/o1", None, None),
    ]


def _as_audited(row: dict[str, Any]) -> Audited:
    """A stored row as `_audit` describes it, once its other columns are checked."""
    assert (row["subject"], row["role"], row["organisation"]) == ("gp-1", "gp", "B82002")
    assert row["outcome"] == "0"
    assert row["correlation_id"]
    assert row["content"] == orjson.dumps(audit_event_resource(row))
    return row["id"], row["action"], row["entity"], row["patient_nhs"], row["purpose"]


async def _stored(engine: AsyncEngine) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    async with engine.connect() as conn:
        audited = (await conn.execute(sa.select(audit_event))).mappings().all()
        query = sa.select(outbox.c.id, outbox.c.type, outbox.c.key)
        events = (await conn.execute(query.order_by(outbox.c.seq))).all()
    return [dict(row) for row in audited], [tuple(row) for row in events]


async def test_the_audit_rows_and_events_are_one_statement_stored_as_written_apart(
    engine: AsyncEngine,
) -> None:
    with counting(engine) as seen:
        async with fhir_transaction(engine, REGISTRY, GP) as tx:
            expected = _audit(tx)
            first = await tx.outbox.announce("one", subject="x/1", nhs_number=NHS_B, data={})
            second = await tx.outbox.announce("two", subject="x/2", nhs_number=NHS_A, data={})

    assert seen.count == 1
    assert "INTO audit_event" in seen.statements[0]
    assert "INTO outbox" in seen.statements[0]
    audited, events = await _stored(engine)
    assert sorted(_as_audited(row) for row in audited) == sorted(expected)
    assert events == [(uuid.UUID(first.id), "one", NHS_B), (uuid.UUID(second.id), "two", NHS_A)]


async def test_without_events_the_audit_rows_go_alone(engine: AsyncEngine) -> None:
    with counting(engine) as seen:
        async with fhir_transaction(engine, REGISTRY, GP) as tx:
            expected = _audit(tx)

    assert seen.count == 1
    assert "INTO outbox" not in seen.statements[0]
    audited, events = await _stored(engine)
    assert sorted(_as_audited(row) for row in audited) == sorted(expected)
    assert events == []


async def test_a_unit_of_work_that_rolls_back_leaves_neither(engine: AsyncEngine) -> None:
    async def failing() -> None:
        async with fhir_transaction(engine, REGISTRY, GP) as tx:
            _audit(tx)
            await tx.outbox.announce("one", subject="x/1", nhs_number=NHS_A, data={})
            raise RuntimeError("the handler failed")

    with pytest.raises(RuntimeError):
        await failing()

    assert await _stored(engine) == ([], [])
