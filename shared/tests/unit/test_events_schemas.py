"""Event schemas: loading a producer's folder, validating data, and the AsyncAPI document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carecoord_shared.events import SchemaCatalogue, SchemaViolation, asyncapi

TRIAGED = "carecoord.referral.triaged.v1"
NHS = "9000000009"


def _write(folder: Path, name: str, schema: dict[str, object]) -> None:
    (folder / f"{name}.json").write_text(json.dumps(schema))


@pytest.fixture
def catalogue(tmp_path: Path) -> SchemaCatalogue:
    _write(
        tmp_path,
        "carecoord.common.v1",
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://carecoord.example/schemas/carecoord.common.v1.json",
            "$defs": {"nhsNumber": {"type": "string", "pattern": "^[0-9]{10}$"}},
        },
    )
    _write(
        tmp_path,
        TRIAGED,
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://carecoord.example/schemas/{TRIAGED}.json",
            "title": TRIAGED,
            "description": "A clinician triaged a referral.",
            "type": "object",
            "required": ["outcome", "patient"],
            "properties": {
                "outcome": {"enum": ["accepted", "rejected", "advice"]},
                "patient": {"$ref": "carecoord.common.v1.json#/$defs/nhsNumber"},
                "id": {"type": "string", "format": "uuid"},
            },
        },
    )
    return SchemaCatalogue.from_folder(tmp_path)


def test_catalogue_lists_types_by_file_name(catalogue: SchemaCatalogue) -> None:
    assert list(catalogue) == ["carecoord.common.v1", TRIAGED]
    assert TRIAGED in catalogue
    assert "carecoord.referral.unknown.v1" not in catalogue


def test_valid_data_passes_and_extra_fields_are_tolerated(catalogue: SchemaCatalogue) -> None:
    catalogue.validate(TRIAGED, {"outcome": "accepted", "patient": NHS, "newField": 1})


@pytest.mark.parametrize(
    ("data", "keyword", "path"),
    [
        ({"outcome": "maybe", "patient": NHS}, "enum", "$.outcome"),
        ({"outcome": "accepted"}, "required", "$"),
        ({"outcome": "accepted", "patient": "12345"}, "pattern", "$.patient"),
        ({"outcome": "accepted", "patient": NHS, "id": "not-a-uuid"}, "format", "$.id"),
    ],
)
def test_violations_say_where_and_which_rule_but_not_the_value(
    catalogue: SchemaCatalogue, data: dict[str, object], keyword: str, path: str
) -> None:
    with pytest.raises(SchemaViolation) as raised:
        catalogue.validate(TRIAGED, data)
    assert (raised.value.keyword, raised.value.path) == (keyword, path)
    assert "maybe" not in str(raised.value)
    assert "12345" not in str(raised.value)


def test_a_file_whose_id_names_another_type_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, TRIAGED, {"$id": "carecoord.referral.closed.v1", "type": "object"})
    with pytest.raises(ValueError, match="do not name event type"):
        SchemaCatalogue.from_folder(tmp_path)


def test_an_invalid_schema_is_refused_at_load(tmp_path: Path) -> None:
    _write(tmp_path, TRIAGED, {"type": "no-such-type"})
    with pytest.raises(Exception, match="no-such-type"):
        SchemaCatalogue.from_folder(tmp_path)


def test_asyncapi_document_describes_the_topic_headers_and_payloads(
    catalogue: SchemaCatalogue,
) -> None:
    topic = "carecoord.referrals.v1"
    doc = asyncapi("referrals", topic, catalogue, partitions=3)
    assert doc["asyncapi"] == "3.0.0"
    channel = doc["channels"][topic]
    assert channel["address"] == topic
    assert channel["bindings"]["kafka"]["partitions"] == 3
    assert set(channel["messages"]) == {TRIAGED, "carecoord.common.v1"}
    operation = doc["operations"][f"send.{topic}"]
    assert operation["action"] == "send"
    assert {"$ref": f"#/channels/{topic}/messages/{TRIAGED}"} in operation["messages"]
    message = doc["components"]["messages"][TRIAGED]
    assert message["payload"] == {"$ref": f"#/components/schemas/{TRIAGED}"}
    assert message["summary"] == "A clinician triaged a referral."
    assert message["headers"]["allOf"][1]["properties"]["ce_type"]["const"] == TRIAGED
    headers = doc["components"]["schemas"]["CloudEventsHeaders"]
    assert {"ce_id", "ce_type", "ce_source", "ce_subject", "ce_time", "traceparent"} <= set(
        headers["required"]
    )
    assert doc["components"]["schemas"][TRIAGED] == catalogue.schema(TRIAGED)
    _assert_local_refs_resolve(doc, doc)


def test_asyncapi_names_the_kafka_servers_and_the_fhir_base(catalogue: SchemaCatalogue) -> None:
    topic = "carecoord.referrals.v1"
    base = "https://referrals.example.nhs.uk/fhir"
    doc = asyncapi(
        "referrals", topic, catalogue, bootstrap_servers="k1:9092, k2:9093", fhir_base=base
    )

    assert [(s["host"], s["protocol"]) for s in doc["servers"].values()] == [
        ("k1:9092", "kafka"),
        ("k2:9093", "kafka"),
    ]
    assert doc["channels"][topic]["servers"] == [
        {"$ref": "#/servers/kafka-1"},
        {"$ref": "#/servers/kafka-2"},
    ]
    assert doc["info"]["externalDocs"]["url"] == base
    assert doc["info"]["x-fhir-base"] == base
    _assert_local_refs_resolve(doc, doc)


def _assert_local_refs_resolve(doc: dict[str, object], node: object) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: object = doc
            for part in ref[2:].split("/"):
                assert isinstance(target, dict), ref
                assert part in target, ref
                target = target[part]
        for value in node.values():
            _assert_local_refs_resolve(doc, value)
    elif isinstance(node, list):
        for item in node:
            _assert_local_refs_resolve(doc, item)
