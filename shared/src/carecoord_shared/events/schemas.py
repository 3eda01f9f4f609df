"""Event schemas: one JSON Schema per event type, and the AsyncAPI document built from them.

The producer of an event type owns its schema (a file named after the type, such as
`carecoord.referral.triaged.v1.json`). `SchemaCatalogue` loads a folder of them,
compiles each once (JSON Schema Draft 2020-12, with `format` asserted where a checker
is installed) and validates event data; consumers use it to send data that breaks its
schema straight to the dead-letter topic. `asyncapi` publishes a topic's catalogue as
an AsyncAPI 3.0 document: the Kafka servers, the channel, its CloudEvents headers, the
Kafka key and every message's payload schema, and (as `externalDocs` and `x-fhir-base`) the
FHIR base whose resources the events' subjects name. Violations are reported by keyword
and JSON path only, never with the offending value, because the value may be patient data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from carecoord_shared.events.envelope import CE_HEADERS, CONTENT_TYPE, CORRELATION_ID, TRACEPARENT

JsonObject = dict[str, Any]

_KAFKA_BINDING_VERSION = "0.5.0"


class SchemaViolation(ValueError):
    """Event data that does not match its type's schema (says where, never what)."""

    def __init__(self, event_type: str, path: str, keyword: str) -> None:
        self.event_type = event_type
        self.path = path
        self.keyword = keyword
        super().__init__(f"data of {event_type} breaks its schema: '{keyword}' at {path}")


def _declared_names(schema: JsonObject) -> set[str]:
    names = set()
    if isinstance(schema.get("title"), str):
        names.add(schema["title"])
    if isinstance(schema.get("$id"), str):
        names.add(schema["$id"].rstrip("/").rsplit("/", 1)[-1].removesuffix(".json"))
    return names


class SchemaCatalogue:
    """The JSON Schemas of a set of event types, each compiled once."""

    def __init__(self, schemas: Mapping[str, JsonObject]) -> None:
        registry: Registry[Any] = Registry().with_resources(
            (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
            for schema in schemas.values()
            if isinstance(schema.get("$id"), str)
        )
        self._schemas = dict(schemas)
        self._validators: dict[str, Draft202012Validator] = {}
        for event_type, schema in self._schemas.items():
            Draft202012Validator.check_schema(schema)
            self._validators[event_type] = Draft202012Validator(
                schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
            )

    @classmethod
    def from_folder(cls, folder: Path) -> SchemaCatalogue:
        """Load `<event type>.json` files; a `$id` or `title` must name the same type."""
        schemas: dict[str, JsonObject] = {}
        for path in sorted(folder.glob("*.json")):
            event_type = path.name.removesuffix(".json")
            schema = orjson.loads(path.read_bytes())
            if not isinstance(schema, dict):
                raise ValueError(f"{path.name} does not hold a JSON Schema object")
            declared = _declared_names(schema)
            if declared and event_type not in declared:
                raise ValueError(f"{path.name}: $id/title do not name event type {event_type}")
            schemas[event_type] = schema
        return cls(schemas)

    def __contains__(self, event_type: object) -> bool:
        return event_type in self._schemas

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._schemas))

    def __len__(self) -> int:
        return len(self._schemas)

    def schema(self, event_type: str) -> JsonObject:
        return self._schemas[event_type]

    def validate(self, event_type: str, data: Mapping[str, Any]) -> None:
        """Raise `SchemaViolation` if `data` breaks the schema (KeyError: unknown type)."""
        error = best_match(self._validators[event_type].iter_errors(data))
        if error is not None:
            raise SchemaViolation(event_type, error.json_path, str(error.validator))


def _cloudevents_headers() -> JsonObject:
    return {
        "type": "object",
        "description": "CloudEvents 1.0 Kafka binary-mode headers, plus tracing.",
        "required": [*CE_HEADERS, "content-type", TRACEPARENT, CORRELATION_ID],
        "properties": {
            "ce_specversion": {"type": "string", "const": "1.0"},
            "ce_id": {
                "type": "string",
                "format": "uuid",
                "description": "Event id; consumers apply each id once.",
            },
            "ce_type": {"type": "string", "description": "Event type (a past-tense fact)."},
            "ce_source": {"type": "string", "format": "uri-reference"},
            "ce_subject": {
                "type": "string",
                "description": "FHIR reference of the resource the event is about.",
            },
            "ce_time": {"type": "string", "format": "date-time"},
            "content-type": {"type": "string", "const": CONTENT_TYPE},
            TRACEPARENT: {
                "type": "string",
                "pattern": "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
                "description": "W3C Trace Context.",
            },
            CORRELATION_ID: {"type": "string"},
        },
    }


def _message(event_type: str, schema: JsonObject) -> JsonObject:
    message: JsonObject = {
        "name": event_type,
        "title": schema.get("title", event_type),
        "contentType": CONTENT_TYPE,
        "headers": {
            "allOf": [
                {"$ref": "#/components/schemas/CloudEventsHeaders"},
                {"properties": {"ce_type": {"const": event_type}}},
            ]
        },
        "payload": {"$ref": f"#/components/schemas/{event_type}"},
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": "The patient's NHS number, or the subject reference "
                    "where there is no patient: one patient's events share a partition.",
                },
                "bindingVersion": _KAFKA_BINDING_VERSION,
            }
        },
    }
    if isinstance(schema.get("description"), str):
        message["summary"] = schema["description"]
    return message


def _servers(bootstrap_servers: str) -> JsonObject:
    """One AsyncAPI server per Kafka bootstrap address (`host:port`, comma-separated)."""
    hosts = [h.strip() for h in bootstrap_servers.split(",") if h.strip()]
    return {
        f"kafka-{index}": {
            "host": host,
            "protocol": "kafka",
            "description": "Kafka bootstrap server (KAFKA_BOOTSTRAP_SERVERS).",
            "bindings": {"kafka": {"bindingVersion": _KAFKA_BINDING_VERSION}},
        }
        for index, host in enumerate(hosts, start=1)
    }


def _info(service: str, topic: str, version: str, fhir_base: str | None) -> JsonObject:
    info: JsonObject = {
        "title": f"{service} events",
        "version": version,
        "description": f"Events {service} publishes on {topic} (CloudEvents 1.0, "
        f"Kafka binary mode). Records that cannot be applied go to {topic}.dlt.",
    }
    if fhir_base is not None:
        info["externalDocs"] = {
            "description": "The FHIR R4 API whose resources the events' subjects name",
            "url": fhir_base,
        }
        info["x-fhir-base"] = fhir_base
    return info


def _channel(
    topic: str, types: list[str], servers: JsonObject, partitions: int | None
) -> JsonObject:
    binding: JsonObject = {"topic": topic, "bindingVersion": _KAFKA_BINDING_VERSION}
    if partitions is not None:
        binding["partitions"] = partitions
    channel: JsonObject = {"address": topic}
    if servers:
        channel["servers"] = [{"$ref": f"#/servers/{name}"} for name in servers]
    channel["messages"] = {t: {"$ref": f"#/components/messages/{t}"} for t in types}
    channel["bindings"] = {"kafka": binding}
    return channel


def asyncapi(
    service: str,
    topic: str,
    catalogue: SchemaCatalogue,
    *,
    bootstrap_servers: str = "",
    fhir_base: str | None = None,
    version: str = "1.0.0",
    partitions: int | None = None,
) -> JsonObject:
    """An AsyncAPI 3.0 document: `service` sends the catalogue's events on `topic`, through
    the Kafka `bootstrap_servers`; `ce_subject` names resources under `fhir_base`."""
    types = list(catalogue)
    servers = _servers(bootstrap_servers)
    return {
        "asyncapi": "3.0.0",
        "info": _info(service, topic, version, fhir_base),
        **({"servers": servers} if servers else {}),
        "defaultContentType": CONTENT_TYPE,
        "channels": {topic: _channel(topic, types, servers, partitions)},
        "operations": {
            f"send.{topic}": {
                "action": "send",
                "channel": {"$ref": f"#/channels/{topic}"},
                "messages": [{"$ref": f"#/channels/{topic}/messages/{t}"} for t in types],
            }
        },
        "components": {
            "messages": {t: _message(t, catalogue.schema(t)) for t in types},
            "schemas": {
                "CloudEventsHeaders": _cloudevents_headers(),
                **{t: catalogue.schema(t) for t in types},
            },
        },
    }
