"""`_summary` / `_elements` applied to one resource: what stays, what goes, the tag."""

from __future__ import annotations

from typing import Any

from carecoord_shared.fhir.subsetting import SUBSETTED, Subset, subset_resource

CARE_PLAN: dict[str, Any] = {
    "resourceType": "CarePlan",
    "id": "cp-1",
    "meta": {"versionId": "2", "tag": [{"system": "https://x.example/t", "code": "keep"}]},
    "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'},
    "extension": [{"url": "https://x.example/e", "valueString": "y"}],
    "status": "active",
    "intent": "plan",
    "title": "Breathing",
    "subject": {"reference": "Patient/p1"},
    "note": [{"text": "private-ish detail"}],
    "activity": [{"detail": {"status": "scheduled"}}],
}
OBSERVATION: dict[str, Any] = {
    "resourceType": "Observation",
    "id": "o-1",
    "status": "final",
    "code": {"text": "peak flow"},
    "valueQuantity": {"value": 400},
    "_status": {"extension": [{"url": "https://x.example/s", "valueString": "z"}]},
    "note": [{"text": "n"}],
}


def _tags(resource: dict[str, Any]) -> list[dict[str, Any]]:
    return list(resource["meta"]["tag"])


def test_summary_true_keeps_the_summary_elements_of_the_base_definition() -> None:
    summary = subset_resource(dict(CARE_PLAN), Subset(summary="true"))

    assert set(summary) == {"resourceType", "id", "meta", "status", "intent", "title", "subject"}
    assert _tags(summary) == [CARE_PLAN["meta"]["tag"][0], SUBSETTED]
    assert CARE_PLAN["meta"]["tag"] == [{"system": "https://x.example/t", "code": "keep"}]


def test_summary_text_keeps_the_narrative_and_the_mandatory_elements() -> None:
    text = subset_resource(dict(CARE_PLAN), Subset(summary="text"))

    assert set(text) == {"resourceType", "id", "meta", "text", "status", "intent", "subject"}


def test_summary_data_drops_only_the_narrative() -> None:
    data = subset_resource(dict(CARE_PLAN), Subset(summary="data"))

    assert set(data) == set(CARE_PLAN) - {"text"}
    assert SUBSETTED in _tags(data)


def test_elements_keep_what_is_named_plus_the_mandatory_elements() -> None:
    chosen = subset_resource(dict(CARE_PLAN), Subset(elements=frozenset({"title"})))

    assert set(chosen) == {"resourceType", "id", "meta", "title", "status", "intent", "subject"}


def test_choice_elements_and_primitive_extensions_follow_their_element() -> None:
    chosen = subset_resource(dict(OBSERVATION), Subset(elements=frozenset({"value"})))

    assert set(chosen) == {
        "resourceType",
        "id",
        "meta",
        "status",
        "_status",
        "code",
        "valueQuantity",
    }
    assert _tags(chosen) == [SUBSETTED]


def test_the_tag_is_not_added_twice() -> None:
    once = subset_resource(dict(OBSERVATION), Subset(summary="true"))
    twice = subset_resource(once, Subset(summary="true"))

    assert _tags(twice) == [SUBSETTED]
