"""`_sort` on a date parameter orders by each resource's stored sort key (issue 10's
worklist, issue 16's search): the earliest value, resources without one first, pages
walked by cursor in that order, moved by an update, and filled in at start for
resources stored before the kernel kept sort keys, exactly once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from carecoord_shared.fhir.registry import (
    FhirRegistry,
    ResourceDefinition,
    SearchParam,
    nhs_number_at,
)
from carecoord_shared.security.access import grant
from carecoord_shared.security.dev_issuer import DevIssuer
from shared.tests.example_service import example_settings, running

REGISTRY = FhirRegistry("example").add(
    ResourceDefinition(
        "Communication",
        search_params=(
            SearchParam("status", "token", "Communication.status"),
            SearchParam("sent", "date", "Communication.sent | Communication.received"),
        ),
    )
)


def _message(sent: str | None = None, received: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"resourceType": "Communication", "status": "completed"}
    if sent:
        body["sent"] = sent
    if received:
        body["received"] = received
    return body


async def _walk(client: httpx.AsyncClient, query: str) -> list[str]:
    """Every id the search finds, page after page by its next links."""
    ids: list[str] = []
    url: str | None = f"/fhir/Communication?{query}"
    while url:
        page = await client.get(url)
        assert page.status_code == 200, page.text
        ids += [entry["resource"]["id"] for entry in page.json().get("entry", [])]
        nexts = [link["url"] for link in page.json()["link"] if link["relation"] == "next"]
        url = nexts[0].removeprefix("http://x") if nexts else None
    return ids


async def _made(client: httpx.AsyncClient, bodies: list[dict[str, Any]]) -> list[str]:
    ids = []
    for body in bodies:
        made = await client.post("/fhir/Communication", json=body)
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    return ids


async def test_a_date_sort_orders_by_the_earliest_value_and_pages_in_that_order(
    fresh_database_url: str, tmp_path: Path
) -> None:
    issuer = DevIssuer(tmp_path / "issuer")
    token = f"Bearer {issuer.mint('gp', organisation='A11111')}"
    async with running(
        example_settings(fresh_database_url, issuer), REGISTRY, Authorization=token
    ) as (_app, client):
        late, none, early, middle = await _made(
            client,
            [
                _message("2026-12-03T09:00:00Z"),
                _message(),
                # sent late but received early: the earliest of its values counts
                _message("2026-12-09T09:00:00Z", received="2026-12-01T09:00:00Z"),
                _message("2026-12-02"),
            ],
        )
        assert await _walk(client, "_sort=sent&_count=1") == [none, early, middle, late]
        assert await _walk(client, "_sort=-sent&_count=3") == [late, middle, early, none]

        moved = await client.put(
            f"/fhir/Communication/{late}", json={**_message("2026-11-01"), "id": late}
        )
        assert moved.status_code == 200, moved.text
        assert await _walk(client, "_sort=sent&_count=2") == [none, late, early, middle]


async def test_resources_stored_before_sort_keys_get_theirs_at_start_once(
    fresh_database_url: str, tmp_path: Path
) -> None:
    issuer = DevIssuer(tmp_path / "issuer")
    token = f"Bearer {issuer.mint('gp', organisation='A11111')}"
    settings = example_settings(fresh_database_url, issuer)
    async with running(settings, REGISTRY, Authorization=token) as (app, client):
        second, first, third = await _made(
            client, [_message("2026-12-02"), _message("2026-12-01"), _message("2026-12-03")]
        )
        async with app.state.engine.begin() as conn:  # as a store written before keys
            await conn.execute(sa.text("DELETE FROM search_index WHERE param = 'sent:sort'"))
            await conn.execute(sa.text("DELETE FROM search_sort_ready"))
        assert await _walk(client, "_sort=sent") == []  # no key, not found by the sort

    for _start in range(2):  # a restart fills the keys in; another adds nothing
        async with running(settings, REGISTRY, Authorization=token) as (app, client):
            assert await _walk(client, "_sort=sent") == [first, second, third]
            async with app.state.engine.connect() as conn:
                keys = await conn.scalar(
                    sa.text("SELECT count(*) FROM search_index WHERE param = 'sent:sort'")
                )
            assert keys == 3


GOALS = FhirRegistry("example").add(
    ResourceDefinition(
        "Goal",
        patient_nhs=nhs_number_at("Goal.subject"),
        search_params=(SearchParam("start", "date", "Goal.start"),),
    )
)


def _goal(nhs: str, start: str) -> dict[str, Any]:
    return {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "description": {"text": "Walk"},
        "subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}},
        "startDate": start,
    }


async def test_a_sorted_search_shows_only_the_patients_the_caller_may_see(
    fresh_database_url: str, tmp_path: Path
) -> None:
    issuer = DevIssuer(tmp_path / "issuer")
    mine, theirs = "9990000018", "9990000026"
    gp = f"Bearer {issuer.mint('gp', organisation='A11111')}"
    other_gp = f"Bearer {issuer.mint('gp', organisation='B22222')}"
    system = f"Bearer {issuer.mint('system')}"
    settings = example_settings(fresh_database_url, issuer)
    async with running(settings, GOALS, Authorization=system) as (app, client):
        async with app.state.engine.begin() as conn:
            await grant(conn, mine, "organisation", "A11111", "registered-practice")
            await grant(conn, theirs, "organisation", "B22222", "registered-practice")
        made = {}
        for nhs, start in ((mine, "2026-12-02"), (theirs, "2026-12-01"), (mine, "2026-12-03")):
            answer = await client.post("/fhir/Goal", json=_goal(nhs, start))
            assert answer.status_code == 201, answer.text
            made.setdefault(nhs, []).append(answer.json()["id"])

        for token, nhs in ((gp, mine), (other_gp, theirs)):
            page = await client.get("/fhir/Goal?_sort=start", headers={"Authorization": token})
            assert page.status_code == 200, page.text
            ids = [entry["resource"]["id"] for entry in page.json().get("entry", [])]
            assert ids == made[nhs]  # in date order, and nobody else's
