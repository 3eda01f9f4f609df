"""`_include` and `_revinclude` (issue 16): one statement each, under the caller's access.

Each include is one SELECT (the matches' references and the resources they reach
together), built once and reused; what it adds is exactly what the references reach
that the caller may see (a relative or an absolute reference alike), never a resource
of a patient outside the caller's relationships.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from carecoord_shared.fhir.registry import (
    FhirRegistry,
    ResourceDefinition,
    SearchParam,
    nhs_number_at,
)
from carecoord_shared.security.access import grant
from carecoord_shared.security.dev_issuer import DevIssuer
from carecoord_shared.testing.statements import counting
from shared.tests.example_service import example_settings, running

NHS_A, NHS_C = "9990000018", "9990000026"
SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
PRACTICE_A = "A11111"


def _patient(nhs: str) -> dict[str, Any]:
    return {"identifier": {"system": SYSTEM, "value": nhs}}


@pytest.fixture
async def kernel(fresh_database_url: str, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """Conditions of patients A and C; Tasks of A's, each focused on one Condition (by a
    relative or an absolute reference), and a subtask of one; a GP of A's practice."""
    issuer = DevIssuer(tmp_path / "issuer")
    settings = example_settings(fresh_database_url, issuer)
    registry = FhirRegistry("example", topic=settings.topic).add(
        ResourceDefinition("Condition", patient_nhs=nhs_number_at("Condition.subject")),
        ResourceDefinition(
            "Task",
            patient_nhs=nhs_number_at("Task.for"),
            search_params=(
                SearchParam("focus", "reference", "Task.focus", ("Condition",)),
                SearchParam("part-of", "reference", "Task.partOf", ("Task",)),
            ),
        ),
    )
    system = {"Authorization": f"Bearer {issuer.mint('system')}"}
    async with running(settings, registry) as (app, client):
        async with app.state.engine.begin() as conn:
            await grant(conn, NHS_A, "organisation", PRACTICE_A, "registered-practice")

        async def create(body: dict[str, Any]) -> str:
            made = await client.post(f"/fhir/{body['resourceType']}", json=body, headers=system)
            assert made.status_code == 201, made.text
            return str(made.json()["id"])

        conditions = {}
        for name, nhs in (("a1", NHS_A), ("a2", NHS_A), ("c", NHS_C)):
            body = {"resourceType": "Condition", "subject": _patient(nhs)}
            conditions[name] = await create(body)
        focus = {
            "relative": f"Condition/{conditions['a1']}",
            "absolute": f"https://elsewhere.example/fhir/Condition/{conditions['a2']}",
            "other patient": f"Condition/{conditions['c']}",
            "not a reference": "a1",
        }
        tasks = {}
        focus_of_nothing = {"reference": "Condition/unknown"}
        for name, reference in focus.items():
            body = {
                "resourceType": "Task",
                "status": "requested",
                "intent": "order",
                "for": _patient(NHS_A),
                "focus": {"reference": reference},
            }
            tasks[name] = await create(body)
        part = {"reference": f"Task/{tasks['relative']}"}
        tasks["subtask"] = await create({**body, "focus": focus_of_nothing, "partOf": [part]})
        gp = issuer.mint("gp", organisation=PRACTICE_A, user="1")
        yield {
            "app": app,
            "client": client,
            "gp": {"Authorization": f"Bearer {gp}"},
            "conditions": conditions,
            "tasks": tasks,
        }


async def _searched(kernel: dict[str, Any], url: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The entries (type, id) of the GP's second search `url` and its statements: the
    page, the include, the purpose of use of what was included (a running break-glass)
    and the audit row."""
    client = kernel["client"]
    assert (await client.get(url, headers=kernel["gp"])).status_code == 200  # warm
    with counting(kernel["app"].state.engine) as seen:
        answer = await client.get(url, headers=kernel["gp"])
    assert answer.status_code == 200, answer.text
    found = [(e["resource"]["resourceType"], e["resource"]["id"]) for e in answer.json()["entry"]]
    return sorted(found), [" ".join(s.split()) for s in seen.statements]


def _one_statement_for_the_include(sent: list[str]) -> None:
    assert [s.lstrip("(").split(" ", 1)[0] for s in sent] == [
        "SELECT",
        "SELECT",
        "SELECT",
        "INSERT",
    ], sent
    assert "FROM search_index" in sent[1]
    assert "FROM resource" in sent[1]
    assert "FROM break_glass" in sent[2]
    assert sent[3].startswith("INSERT INTO audit_event")


async def test_an_include_is_one_statement_reaching_relative_and_absolute_references(
    kernel: dict[str, Any],
) -> None:
    conditions, tasks = kernel["conditions"], kernel["tasks"]

    found, sent = await _searched(kernel, "/fhir/Task?_include=Task:focus:Condition")

    _one_statement_for_the_include(sent)
    included = sorted(("Condition", conditions[n]) for n in ("a1", "a2"))
    assert found == sorted([*included, *(("Task", t) for t in tasks.values())])


async def test_a_revinclude_is_one_statement_of_the_visible_referring_resources(
    kernel: dict[str, Any],
) -> None:
    conditions, tasks = kernel["conditions"], kernel["tasks"]
    ids = ",".join(conditions.values())

    found, sent = await _searched(kernel, f"/fhir/Condition?_id={ids}&_revinclude=Task:focus")

    _one_statement_for_the_include(sent)
    assert found == sorted(
        [
            ("Condition", conditions["a1"]),
            ("Condition", conditions["a2"]),
            ("Task", tasks["relative"]),  # C's Condition is hidden: its Task not reached
        ]
    )


async def test_an_include_and_a_revinclude_are_one_statement_together(
    kernel: dict[str, Any],
) -> None:
    conditions, tasks = kernel["conditions"], kernel["tasks"]
    url = f"/fhir/Task?_id={tasks['relative']}&_include=Task:focus&_revinclude=Task:part-of"

    found, sent = await _searched(kernel, url)

    _one_statement_for_the_include(sent)
    assert "UNION ALL" in sent[1]
    assert found == sorted(
        [
            ("Condition", conditions["a1"]),
            ("Task", tasks["relative"]),
            ("Task", tasks["subtask"]),
        ]
    )
