"""Work gathered in a unit of work is done once per key before it commits: a run of
consumer events that change one thing changes it once, and audit rows are written
with the unit of work (never lost, never written for a unit of work that rolled back)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from carecoord_shared.db import create_engine
from carecoord_shared.events import Event, InboxConsumer, new_event
from carecoord_shared.fhir.gathering import Gathering
from carecoord_shared.fhir.registry import ResourceDefinition, SearchParam, nhs_number_at
from carecoord_shared.fhir.unit_of_work import FhirTransaction, fhir_transaction
from carecoord_shared.security.audit import audit_event
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.security.principal import system_principal
from carecoord_shared.service import Consumer, ServiceDefinition, system_clock
from carecoord_shared.settings import ServiceSettings
from carecoord_shared.web.app import build_app
from carecoord_shared.worker import build_worker
from shared.tests.example_service import example_settings

NHS = "9990000018"
EVENT_TYPE = "carecoord.example.noted.v1"
flushes: list[tuple[str, list[str]]] = []


async def _note_all(tx: FhirTransaction, subject: str, notes: list[str]) -> None:
    flushes.append((subject, notes))
    body = {
        "resourceType": "Communication",
        "status": "completed",
        "subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}},
        "payload": [{"contentString": note} for note in notes],
    }
    await tx.create("Communication", body)


NOTES = Gathering("notes", _note_all)


async def _on_noted(tx: FhirTransaction, event: Event, _context: object) -> None:
    tx.gather(NOTES, str(event.subject), str(event.data["note"]))


GATHERING = ServiceDefinition(
    name="example",
    title="Example",
    description="A service that gathers what its events ask for.",
    settings=ServiceSettings,
    resources=lambda _context: (
        ResourceDefinition(
            "Communication",
            patient_nhs=nhs_number_at("Communication.subject"),
            search_params=(SearchParam("status", "token", "Communication.status"),),
        ),
    ),
    consumers=(Consumer(EVENT_TYPE, lambda s: s.topic, _on_noted),),
)


def _noted(subject: str, note: str) -> Event:
    return new_event(EVENT_TYPE, source="urn:x", subject=subject, data={"note": note})


@pytest.fixture
async def settings(fresh_database_url: str, tmp_path: Path) -> Any:
    settings = example_settings(fresh_database_url, DevIssuer(tmp_path / "issuer"))
    app = build_app(GATHERING, settings)
    async with app.router.lifespan_context(app):  # migrates the fresh database
        yield settings


async def test_a_run_of_events_flushes_each_key_once_in_first_seen_order(settings: Any) -> None:
    flushes.clear()
    worker = build_worker(GATHERING, settings)
    [subscription] = worker.subscriptions
    engine = create_engine(settings.db_url, 2)
    try:
        consumer = InboxConsumer(
            engine, "unused:9", "g", ["t"], subscription.handlers, run_scope=subscription.run_scope
        )
        run = [_noted("b", "1"), _noted("a", "2"), _noted("b", "3")]
        await consumer._apply(run)
        assert flushes == [("b", ["1", "3"]), ("a", ["2"])]
        async with engine.connect() as conn:
            created = await conn.scalar(
                select(func.count()).where(audit_event.c.entity.like("Communication/%"))
            )
        assert created == 2  # one audited create per flush, written before the commit
    finally:
        await engine.dispose()


async def test_a_unit_of_work_that_rolls_back_writes_no_audit_rows(settings: Any) -> None:
    registry = GATHERING.assemble(settings, system_clock)[2]
    engine = create_engine(settings.db_url, 2)

    async def rolled_back() -> None:
        async with fhir_transaction(engine, registry, system_principal("t")) as tx:
            await _note_all(tx, "c", ["never"])
            tx.gather(NOTES, "c", "never either")
            raise RuntimeError("rolled back")

    try:
        with pytest.raises(RuntimeError):
            await rolled_back()
        async with engine.connect() as conn:
            rows = await conn.scalar(select(func.count()).select_from(audit_event))
        assert rows == 0
    finally:
        await engine.dispose()
