"""Narrative on what the kernel builds itself (dom-6): outcomes, conformance resources, audit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from carecoord_shared.fhir.narrative import narrated, outcome
from carecoord_shared.fhir.outcome import Issue
from carecoord_shared.security.audit import audit_event_resource


def _div(resource: dict[str, Any]) -> str:
    assert resource["text"]["status"] == "generated"
    div: str = resource["text"]["div"]
    assert div.startswith('<div xmlns="http://www.w3.org/1999/xhtml"')
    return div


def test_an_outcome_reads_as_its_issues_escaped() -> None:
    built = outcome([Issue("invalid", "Bad <b>date</b>", ("Goal.startDate",))])

    div = _div(built)
    assert "invalid: Bad &lt;b&gt;date&lt;/b&gt; (Goal.startDate)" in div
    assert "<th>error</th>" in div


def test_kernel_built_resources_get_a_narrative_inside_bundles_and_parameters() -> None:
    definition = {"resourceType": "OperationDefinition", "name": "Triage", "code": "triage"}
    failed = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "x"}]}
    bundle = narrated(
        {
            "resourceType": "Bundle",
            "type": "batch-response",
            "entry": [{"resource": definition}, {"response": {"status": "400", "outcome": failed}}],
        }
    )
    parameters = narrated(
        {"resourceType": "Parameters", "parameter": [{"name": "r", "resource": failed}]}
    )

    assert "Triage" in _div(bundle["entry"][0]["resource"])
    assert _div(bundle["entry"][1]["response"]["outcome"])
    assert _div(parameters["parameter"][0]["resource"])
    assert "text" not in definition  # the declaration itself is not changed


def test_stored_types_and_own_narratives_are_left_alone() -> None:
    task = {"resourceType": "Task", "status": "requested"}
    own = {"resourceType": "CodeSystem", "text": {"status": "additional", "div": "<div/>"}}

    assert narrated(task) == task
    assert narrated(own) == own


def test_the_capability_statement_lists_its_resource_types() -> None:
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "rest": [{"mode": "server", "resource": [{"type": "Task"}, {"type": "Goal"}]}],
    }

    assert "<th>resources</th><td>Task, Goal</td>" in _div(narrated(statement))


def test_an_audit_event_says_who_did_what_to_which_record() -> None:
    row = {
        "id": "a1",
        "recorded": datetime(2026, 1, 2, tzinfo=UTC),
        "action": "R",
        "outcome": "0",
        "subject": "555123456789",
        "role": "gp",
        "organisation": "A11111",
        "patient_nhs": "9990000018",
        "entity": "CarePlan/cp-1",
        "correlation_id": "c-1",
        "purpose": None,
    }

    div = _div(audit_event_resource(row))

    assert "<th>action</th><td>R</td>" in div
    assert "555123456789" in div
    assert "CarePlan/cp-1" in div


def test_the_narrative_says_the_resource_language() -> None:
    div = _div(narrated({"resourceType": "OperationDefinition", "language": "en-GB"}))

    assert div.startswith(
        '<div xmlns="http://www.w3.org/1999/xhtml" lang="en-GB" xml:lang="en-GB">'
    )
