"""What a read costs the database (issue 16), and that nothing it checks was dropped.

A read by id is one SELECT (the resource, the caller's relationship and a running
break-glass's reason together) and the insert of its AuditEvent; a search is its page
query and the insert. The statements are counted on the app's own engine, so a change
that adds a round trip to the busiest path fails here; the audit rows prove what each
read still records, the break-glass purpose of use included.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select

from carecoord_shared.fhir.registry import FhirRegistry, ResourceDefinition, nhs_number_at
from carecoord_shared.security.access import grant
from carecoord_shared.security.audit import audit_event
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.store import search
from shared.tests.example_service import example_settings, running

NHS = "9990000018"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
PATIENT = {"identifier": {"system": NHS_SYSTEM, "value": NHS}}
GLASS_REASON = "Unconscious in ED, no GP record available"


@pytest.fixture
async def kernel(fresh_database_url: str, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    issuer = DevIssuer(tmp_path / "issuer")
    registry = FhirRegistry("example").add(
        ResourceDefinition("Communication", patient_nhs=nhs_number_at("Communication.subject"))
    )
    settings = example_settings(fresh_database_url, issuer)
    system = {"Authorization": f"Bearer {issuer.mint('system')}"}
    message = {"resourceType": "Communication", "status": "completed", "subject": PATIENT}
    async with running(settings, registry) as (app, client):
        made = await client.post("/fhir/Communication", json=message, headers=system)
        assert made.status_code == 201
        async with app.state.engine.begin() as conn:
            await grant(conn, NHS, "organisation", "A81001", "registered-practice")

        def staff(org: str, user: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {issuer.mint('gp', organisation=org, user=user)}"}

        yield {
            "app": app,
            "client": client,
            "id": made.json()["id"],
            "gp": staff("A81001", "111"),
            "stranger": staff("B82002", "777"),
        }


@contextmanager
def statements(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements the app's engine sends while the block runs."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(" ".join(str(args[2]).split()))

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _audited(app: FastAPI, subject: str) -> list[tuple[str, str, str | None, str | None]]:
    async with app.state.engine.connect() as conn:
        rows = await conn.execute(
            select(
                audit_event.c.action,
                audit_event.c.entity,
                audit_event.c.patient_nhs,
                audit_event.c.purpose,
            )
            .where(audit_event.c.subject == subject)
            .order_by(audit_event.c.recorded)
        )
        return [tuple(row) for row in rows]


async def _counted(kernel: dict[str, Any], url: str) -> tuple[httpx.Response, list[str]]:
    """The GP's second request to `url` (the first warms the caches), and its statements."""
    client: httpx.AsyncClient = kernel["client"]
    assert (await client.get(url, headers=kernel["gp"])).status_code == 200
    with statements(kernel["app"]) as sent:
        answer = await client.get(url, headers=kernel["gp"])
    assert answer.status_code == 200
    assert [s.split(" ", 1)[0] for s in sent] == ["SELECT", "INSERT"], sent
    assert sent[1].startswith("INSERT INTO audit_event")
    return answer, sent


async def test_a_read_by_id_is_one_select_and_its_audit_insert(kernel: dict[str, Any]) -> None:
    _, sent = await _counted(kernel, f"/fhir/Communication/{kernel['id']}")

    assert "FROM resource" in sent[0]
    assert "access_grant" in sent[0]  # the relationship
    assert "break_glass" in sent[0]  # and the purpose of use
    entity = f"Communication/{kernel['id']}"
    assert (await _audited(kernel["app"], "111"))[-1] == ("R", entity, NHS, None)


async def test_a_search_is_its_page_query_and_its_audit_insert(kernel: dict[str, Any]) -> None:
    found, _ = await _counted(kernel, f"/fhir/Communication?_id={kernel['id']}")

    assert found.json()["entry"][0]["resource"]["id"] == kernel["id"]
    assert (await _audited(kernel["app"], "111"))[-1][::2] == ("E", NHS)


async def test_reads_under_break_glass_record_its_reason_as_their_purpose(
    kernel: dict[str, Any],
) -> None:
    client: httpx.AsyncClient = kernel["client"]
    stranger = kernel["stranger"]
    url = f"/fhir/Communication/{kernel['id']}"
    assert (await client.get(url, headers=stranger)).status_code == 404
    broken = await client.post(
        "/fhir/$break-glass",
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "patient", "valueIdentifier": PATIENT["identifier"]},
                {"name": "reasonCode", "valueCode": "emergency-treatment"},
                {"name": "reason", "valueString": GLASS_REASON},
            ],
        },
        headers={**stranger, "Content-Type": "application/fhir+json"},
    )
    assert broken.status_code == 200

    assert (await client.get(url, headers=stranger)).status_code == 200
    found = await client.get(f"/fhir/Communication?_id={kernel['id']}", headers=stranger)
    assert found.json()["entry"][0]["resource"]["id"] == kernel["id"]
    # The GP whose practice holds the patient reads for care, not under anyone's glass.
    assert (await client.get(url, headers=kernel["gp"])).status_code == 200

    purpose = f"break-glass: emergency-treatment: {GLASS_REASON}"
    reads = [row for row in await _audited(kernel["app"], "777") if row[0] in ("R", "E")]
    assert [(action, patient, why) for action, _, patient, why in reads[-2:]] == [
        ("R", NHS, purpose),
        ("E", NHS, purpose),
    ]
    assert (await _audited(kernel["app"], "111"))[-1][3] is None


async def test_concurrent_reads_write_their_audit_rows_together(kernel: dict[str, Any]) -> None:
    client: httpx.AsyncClient = kernel["client"]
    url = f"/fhir/Communication/{kernel['id']}"
    assert (await client.get(url, headers=kernel["gp"])).status_code == 200  # warm
    before = len(await _audited(kernel["app"], "111"))

    with statements(kernel["app"]) as sent:
        reads = await asyncio.gather(*(client.get(url, headers=kernel["gp"]) for _ in range(20)))

    assert {read.status_code for read in reads} == {200}
    inserts = [s for s in sent if s.startswith("INSERT INTO audit_event")]
    assert len(inserts) < 10, f"{len(inserts)} audit statements for 20 reads"
    audited = (await _audited(kernel["app"], "111"))[before:]
    assert audited == [("R", f"Communication/{kernel['id']}", NHS, None)] * 20


async def test_a_search_asked_again_reuses_its_statement_and_never_another_ones(
    kernel: dict[str, Any],
) -> None:
    client: httpx.AsyncClient = kernel["client"]
    other = await client.post(
        "/fhir/Communication",
        json={"resourceType": "Communication", "status": "completed", "subject": PATIENT},
        headers=kernel["gp"],
    )
    assert other.status_code == 201
    first, second = kernel["id"], other.json()["id"]
    kept = len(search._PAGES)

    found = []
    for wanted in (first, second, first, second):
        answer = await client.get(f"/fhir/Communication?_id={wanted}", headers=kernel["gp"])
        found.append([e["resource"]["id"] for e in answer.json()["entry"]])

    assert found == [[first], [second], [first], [second]]
    assert len(search._PAGES) == kept + 2
