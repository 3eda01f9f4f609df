"""Published definitions: the StructureDefinitions, CodeSystems and ValueSets a service owns.

A GP-system vendor must be able to look up every local extension and code a service
puts in its resources, under one canonical root (`CANONICAL_ROOT`). A service lists
its definitions once in its declaration (built with the helpers below, so each is
valid R4); the kernel serves them read-only at `/fhir/<type>/<id>`, lists them in
`/fhir/metadata`, and `carecoord_devstack.definitions` writes them out for the
independent validator, which then checks the services' resources against them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from carecoord_shared.fhir.canonical import CANONICAL_ROOT, extension_url, system_url
from carecoord_shared.fhir.outcome import JsonObject

__all__ = [
    "CONFORMANCE_TYPES",
    "DEFINITION_SEARCH_PARAMS",
    "code_system",
    "extension_definition",
    "extension_url",
    "system_url",
    "value_set",
]

CONFORMANCE_TYPES = ("StructureDefinition", "CodeSystem", "ValueSet")
_VERSION = "0.1.0"

# How published definitions are searched (served by `definition_routes`, declared in
# the CapabilityStatement).
DEFINITION_SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("_id", "token", "The definition's id"),
    ("url", "uri", "The canonical URL (url|version too)"),
    ("name", "string", "The computer-friendly name (starts with, any case)"),
    ("status", "token", "draft, active or retired"),
    ("version", "token", "The business version"),
)


def _title_name(identifier: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in identifier.replace("_", "-").split("-"))


def extension_definition(
    name: str,
    title: str,
    description: str,
    value_type: str,
    contexts: Sequence[str],
    *,
    publisher: str = "CareCoord",
) -> JsonObject:
    """A simple extension (one `value[x]` of `value_type`) usable on `contexts` (FHIRPath
    element paths such as `ServiceRequest` or `HealthcareService`)."""
    url = extension_url(name)
    return {
        **_described("StructureDefinition", name, title, description, publisher),
        "fhirVersion": "4.0.1",
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": c} for c in contexts],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {
            "element": [
                {"id": "Extension", "path": "Extension", "short": title, "definition": description},
                {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
                {"id": "Extension.url", "path": "Extension.url", "fixedUri": url},
                {
                    "id": "Extension.value[x]",
                    "path": "Extension.value[x]",
                    "min": 1,
                    "type": [{"code": value_type}],
                },
            ]
        },
    }


def _described(kind: str, name: str, title: str, description: str, publisher: str) -> JsonObject:
    """What every published definition starts with: identity, status, who and what."""
    return {
        "resourceType": kind,
        "id": name,
        "url": f"{CANONICAL_ROOT}/{kind}/{name}",
        "version": _VERSION,
        "name": _title_name(name),
        "title": title,
        "status": "active",
        "publisher": publisher,
        "description": description,
    }


def code_system(
    name: str,
    title: str,
    description: str,
    codes: Mapping[str, str],
    *,
    publisher: str = "CareCoord",
) -> JsonObject:
    """A complete local CodeSystem: each code with its display."""
    return {
        **_described("CodeSystem", name, title, description, publisher),
        "caseSensitive": True,
        "valueSet": f"{CANONICAL_ROOT}/ValueSet/{name}",
        "content": "complete",
        "count": len(codes),
        "concept": [{"code": code, "display": display} for code, display in codes.items()],
    }


def value_set(system: JsonObject) -> JsonObject:
    """The ValueSet of every code of a local CodeSystem."""
    description = f"All codes of {system['title']}."
    return {
        **_described("ValueSet", system["id"], system["title"], description, system["publisher"]),
        "compose": {"include": [{"system": system["url"]}]},
    }
