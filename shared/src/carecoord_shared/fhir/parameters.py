"""Reading FHIR `Parameters` bodies of operations, with OperationOutcomes for mistakes.

Operations (`$break-glass`, `$triage`, ...) take a Parameters resource. This module
reads named values of the expected FHIR type and says exactly which parameter is
missing or of the wrong type, with a FHIRPath `expression`, so every operation
answers bad input the same way.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.fhir.outcome import JsonObject, bad_request
from carecoord_shared.fhir.parsing import validate_resource


class Parameters:
    """A validated Parameters resource, read by name."""

    def __init__(self, body: JsonObject) -> None:
        validate_resource(body, "Parameters")
        self._by_name: dict[str, list[JsonObject]] = {}
        for index, part in enumerate(body.get("parameter", [])):
            part = dict(part, _index=index)
            self._by_name.setdefault(str(part.get("name")), []).append(part)

    def _part(self, name: str, required: bool) -> JsonObject | None:
        parts = self._by_name.get(name, [])
        if not parts:
            if required:
                raise bad_request(
                    f"The '{name}' parameter is required",
                    (f"Parameters.parameter('{name}')",),
                    "required",
                )
            return None
        if len(parts) > 1:
            raise bad_request(
                f"The '{name}' parameter may appear only once", (f"Parameters.parameter('{name}')",)
            )
        return parts[0]

    def value(self, name: str, kind: str, *, required: bool = True) -> Any:
        """The `value[kind]` of parameter `name` (kind as in FHIR: String, Integer, ...)."""
        part = self._part(name, required)
        if part is None:
            return None
        key = f"value{kind}"
        if key not in part:
            raise bad_request(
                f"The '{name}' parameter must be a {kind}",
                (f"Parameters.parameter[{part['_index']}].value",),
            )
        return part[key]

    def has(self, name: str) -> bool:
        return name in self._by_name
