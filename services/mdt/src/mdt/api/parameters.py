"""Reading FHIR `Parameters` bodies of the MDT operations into typed values.

Every operation body passes the R4 validator first (`validate_resource`), then each
parameter is read here with an issue whose `expression` names it, so a caller can
see exactly which parameter was missing or wrong (400), never a 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from fastapi import Request

from carecoord_shared.fhir.http import read_body
from carecoord_shared.fhir.outcome import JsonObject, bad_request
from carecoord_shared.fhir.parsing import decode_json, validate_resource

MAX_TEXT = 4000


class Parameters:
    """The parameters of one operation call, looked up by name."""

    def __init__(self, body: JsonObject) -> None:
        self.items: list[JsonObject] = list(body.get("parameter", []))

    @classmethod
    async def read(cls, request: Request) -> Parameters:
        limit = int(request.app.state.settings.max_body_bytes)
        body = validate_resource(decode_json(await read_body(request, limit)), "Parameters")
        return cls(body)

    def all(self, name: str) -> list[JsonObject]:
        return [p for p in self.items if p.get("name") == name]

    def _one(self, name: str, kind: str, required: bool) -> Any:
        found = self.all(name)
        where = (f"Parameters.parameter.where(name='{name}')",)
        if len(found) > 1:
            raise bad_request(f"Give '{name}' at most once", where)
        if not found:
            if required:
                raise bad_request(f"The parameter '{name}' is required", where, "required")
            return None
        value = found[0].get(kind)
        if value is None:
            raise bad_request(f"'{name}' must be given as {kind}", where)
        return value

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self._one(name, "valueString", required)
        if value is not None and (not value.strip() or len(value) > MAX_TEXT):
            raise bad_request(f"'{name}' must be 1-{MAX_TEXT} characters", (name,), "value")
        return None if value is None else str(value).strip()

    def texts(self, name: str) -> tuple[str, ...]:
        values = []
        for item in self.all(name):
            value = item.get("valueString")
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
                raise bad_request(f"Each '{name}' must be a valueString of 1-{MAX_TEXT} characters", (name,))
            values.append(value.strip())
        return tuple(values)

    def code(self, name: str, allowed: Sequence[str], default: str | None = None) -> str:
        value = self._one(name, "valueCode", default is None)
        if value is None:
            assert default is not None
            return default
        if value not in allowed:
            raise bad_request(f"'{name}' must be one of {', '.join(allowed)}", (name,), "value")
        return str(value)

    def boolean(self, name: str, default: bool) -> bool:
        value = self._one(name, "valueBoolean", False)
        return default if value is None else bool(value)

    def decimal(self, name: str, low: float, high: float) -> float | None:
        value = self._one(name, "valueDecimal", False)
        if value is None:
            return None
        number = float(value)
        if not low <= number <= high:
            raise bad_request(f"'{name}' must be between {low} and {high}", (name,), "value")
        return number

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self._one(name, "valueInteger", False)
        if value is None:
            return default
        if not low <= int(value) <= high:
            raise bad_request(f"'{name}' must be between {low} and {high}", (name,), "value")
        return int(value)

    def instant(self, name: str) -> datetime:
        value = str(self._one(name, "valueDateTime", True))
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise bad_request(f"'{name}' must be a date and time", (name,), "value") from None
        if parsed.tzinfo is None or len(value) < 16:
            raise bad_request(f"'{name}' needs a time and a time zone", (name,), "value")
        return parsed


def part_values(part: JsonObject) -> Parameters:
    return Parameters({"parameter": part.get("part", [])})


def day(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise bad_request(f"'{name}' must be a date (YYYY-MM-DD)", (name,), "value") from None
