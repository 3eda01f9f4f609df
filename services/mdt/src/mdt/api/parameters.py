"""Reading FHIR `Parameters` bodies of the MDT operations into typed values.

Built on the kernel's reader (`carecoord_shared.fhir.parameters`), which validates the
body as R4 and reads single values by name with an `expression` naming the parameter;
this adds what the MDT operations need beyond it: repeated parameters (decisions,
actions, attendees), parts, and the range and length checks of each value, so a caller
sees exactly which parameter was missing or wrong (400), never a 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from fastapi import Request

from carecoord_shared.fhir.http import read_body
from carecoord_shared.fhir.outcome import JsonObject, bad_request
from carecoord_shared.fhir.parameters import Parameters as KernelParameters
from carecoord_shared.fhir.parsing import decode_json

MAX_TEXT = 4000
Code = TypeVar("Code", bound=str)


class Parameters(KernelParameters):
    """The kernel's reader, plus repeated parameters, parts and the checks MDT values need."""

    def __init__(self, body: JsonObject) -> None:
        super().__init__(body)
        self.items: list[JsonObject] = list(body.get("parameter", []))

    @classmethod
    async def read(cls, request: Request) -> Parameters:
        limit = int(request.app.state.settings.max_body_bytes)
        return cls(decode_json(await read_body(request, limit)))

    @classmethod
    async def read_optional(cls, request: Request) -> Parameters:
        """For operations without parameters: no body is fine; a body must be Parameters."""
        if request.headers.get("content-length") in (None, "0") and not request.headers.get(
            "transfer-encoding"
        ):
            return cls({"resourceType": "Parameters"})
        return await cls.read(request)

    def all(self, name: str) -> list[JsonObject]:
        return [p for p in self.items if p.get("name") == name]

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.value(name, "String", required=required)
        if value is not None and (not value.strip() or len(value) > MAX_TEXT):
            raise bad_request(f"'{name}' must be 1-{MAX_TEXT} characters", (name,), "value")
        return None if value is None else str(value).strip()

    def texts(self, name: str) -> tuple[str, ...]:
        values = []
        for item in self.all(name):
            value = item.get("valueString")
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
                raise bad_request(
                    f"Each '{name}' must be a valueString of 1-{MAX_TEXT} characters", (name,)
                )
            values.append(value.strip())
        return tuple(values)

    def code(self, name: str, allowed: Sequence[Code], default: Code | None = None) -> Code:
        value = self.value(name, "Code", required=default is None)
        if value is None:
            assert default is not None
            return default
        for code in allowed:
            if code == value:
                return code
        raise bad_request(f"'{name}' must be one of {', '.join(allowed)}", (name,), "value")

    def boolean(self, name: str, default: bool) -> bool:
        value = self.value(name, "Boolean", required=False)
        return default if value is None else bool(value)

    def decimal(self, name: str, low: float, high: float) -> float | None:
        value = self.value(name, "Decimal", required=False)
        if value is None:
            return None
        number = float(value)
        if not low <= number <= high:
            raise bad_request(f"'{name}' must be between {low} and {high}", (name,), "value")
        return number

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.value(name, "Integer", required=False)
        if value is None:
            return default
        if not low <= int(value) <= high:
            raise bad_request(f"'{name}' must be between {low} and {high}", (name,), "value")
        return int(value)

    def instant(self, name: str) -> datetime:
        value = str(self.value(name, "DateTime", required=True))
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise bad_request(f"'{name}' must be a date and time", (name,), "value") from None
        if parsed.tzinfo is None or len(value) < 16:
            raise bad_request(f"'{name}' needs a time and a time zone", (name,), "value")
        return parsed


def part_values(part: JsonObject) -> Parameters:
    return Parameters({"resourceType": "Parameters", "parameter": part.get("part", [])})


def day(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise bad_request(f"'{name}' must be a date (YYYY-MM-DD)", (name,), "value") from None
