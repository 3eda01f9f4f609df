"""Every local URL this service writes is under the project's canonical root and is
published: each extension as a StructureDefinition, each local code in a CodeSystem
(issue 14, item 5). Scanned over the resources a whole journey stores, on fakes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.structuredefinition import StructureDefinition
from fhir.resources.R4B.valueset import ValueSet

from care_plans.definition import SERVICE
from care_plans.domain.measures import INDICATORS
from care_plans.fhir.measures import measure_report, measure_resource
from care_plans.fhir.vocabulary import EXT_AGREEMENT
from care_plans.operations.assign_coordinator import OPERATION as ASSIGN
from care_plans.service.indicators import ensure_measures
from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT
from carecoord_shared.testing import InMemoryInteractions
from services.care_plans.tests.builders import (
    DIABETES,
    assignment,
    care_plan,
    end_of_life,
)
from services.care_plans.tests.units import NOW, fake_care_plans, operation_call, staff

NHS = "9990000018"


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


async def _journey() -> list[dict[str, Any]]:
    """What a patient's care here stores: the register, a plan with every extension,
    a goal, a co-ordinator handed over, and the indicators with a report."""
    fake = fake_care_plans()
    patient_id = await fake.registered(NHS, DIABETES, locality="north")
    goal = await fake.write(
        {
            "resourceType": "Goal",
            "lifecycleStatus": "active",
            "description": {"text": "Walk to the park"},
            "subject": {"reference": f"Patient/{patient_id}"},
        },
        staff(),
    )
    plan = care_plan(NHS, reviewed="2026-02-01", goals=(f"Goal/{goal['id']}",))
    plan["extension"] += [
        end_of_life(),
        {"url": EXT_AGREEMENT, "valueBoolean": True},
    ]
    await fake.write(plan, staff())
    for sds in ("800001", "800002"):
        call = operation_call(fake, ASSIGN, assignment(sds)["parameter"], staff(), patient_id)
        await ASSIGN.handler(call)
    stored = [versions[-1].as_json() for versions in fake.tx.versions.values()]
    measures = [measure_resource(indicator) for indicator in INDICATORS.values()]
    report = measure_report(INDICATORS["G1"], (1, 2), (date(2026, 1, 1), NOW.date()), None, NOW)
    return [*stored, *measures, report]


async def test_every_local_url_is_under_the_root_and_published() -> None:
    published = {d["url"]: d for d in SERVICE.definitions}
    codes = {
        (d["url"], concept["code"])
        for d in SERVICE.definitions
        if d["resourceType"] == "CodeSystem"
        for concept in d["concept"]
    }
    resources = await _journey()
    kinds = {r["resourceType"] for r in resources}
    assert {"Patient", "Condition", "CarePlan", "Goal", "CareTeam", "Provenance"} <= kinds
    seen_extensions = set()
    for resource in resources:
        for key, value in _walk(resource):
            if isinstance(value, str) and "carecoord" in value and "://" in value:
                assert value.startswith(CANONICAL_ROOT), (resource["resourceType"], value)
            if key == "extension":
                absolute = {e["url"] for e in value if "://" in e["url"]}
                assert absolute <= set(published), absolute
                seen_extensions |= absolute
            if key == "coding":
                for coding in value:
                    if coding["system"].startswith(CANONICAL_ROOT):
                        assert (coding["system"], coding["code"]) in codes, coding
    structure_definitions = {
        d["url"] for d in SERVICE.definitions if d["resourceType"] == "StructureDefinition"
    }
    assert seen_extensions == structure_definitions


async def test_measures_are_written_once_and_rewritten_when_they_change() -> None:
    fake = fake_care_plans()
    fhir = InMemoryInteractions(fake.tx)
    assert await ensure_measures(fhir) == 3  # type: ignore[arg-type]
    assert await ensure_measures(fhir) == 0  # type: ignore[arg-type]
    stale = measure_resource(INDICATORS["G2"]) | {"title": "An older title"}
    await fake.tx.update("Measure", "G2", stale, if_match=None)
    assert await ensure_measures(fhir) == 1  # type: ignore[arg-type]
    [criteria] = {
        population["criteria"]["language"]
        for population in fake.tx.versions[("Measure", "G2")][-1].as_json()["group"][0][
            "population"
        ]
    }
    assert criteria == "text/cql"


def test_every_published_definition_is_valid_r4() -> None:
    models = {
        "StructureDefinition": StructureDefinition,
        "CodeSystem": CodeSystem,
        "ValueSet": ValueSet,
    }
    for published in SERVICE.definitions:
        model = models[published["resourceType"]].model_validate(published)
        assert str(model.url).startswith(CANONICAL_ROOT)


def test_a_proportion_with_no_one_in_the_denominator_says_its_score_is_absent() -> None:
    period = (date(2026, 1, 1), NOW.date())
    [group] = measure_report(INDICATORS["G2"], (0, 0), period, None, NOW)["group"]
    assert "value" not in group["measureScore"]  # never a misleading 0%
    assert group["measureScore"]["extension"] == [
        {
            "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
            "valueCode": "not-applicable",
        }
    ]
    [scored] = measure_report(INDICATORS["G2"], (1, 4), period, None, NOW)["group"]
    assert scored["measureScore"] == {"value": 0.25}
