"""Issue 14 (item 6): every event payload carries `versionId` with one type, FHIR's.

`meta.versionId` is a FHIR `id` (a string), and the resource store stamps it as one. A
consumer reading `versionId` from two services' events must not have to guess whether it
gets `"3"` or `3`, so every event schema that declares `versionId` declares it exactly as
`{"type": "string"}` (read from the schema files each service publishes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = sorted(ROOT.glob("services/*/src/*/events/schemas/*.json"))
FHIR_VERSION_ID: dict[str, Any] = {"type": "string"}


def _declarations(node: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every `versionId` property declared anywhere in a schema, with its JSON pointer."""
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict) and "versionId" in properties:
            found.append((f"{path}/properties/versionId", properties["versionId"]))
        for key, value in node.items():
            found.extend(_declarations(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_declarations(value, f"{path}/{index}"))
    return found


def test_schemas_are_found() -> None:
    assert len(SCHEMAS) >= 20
    assert any(_declarations(json.loads(p.read_text())) for p in SCHEMAS)


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda p: p.name)
def test_version_id_is_a_fhir_id_string(schema: Path) -> None:
    declared = _declarations(json.loads(schema.read_text()))
    wrong = {where: value for where, value in declared if value != FHIR_VERSION_ID}
    assert not wrong, f"{schema.relative_to(ROOT)} declares versionId as {wrong}"
