"""Reading operation inputs: FHIR Parameters bodies and query parameters, with 400s that
point at the offending parameter (OperationOutcome `expression`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request

from carecoord_shared.fhir.http import read_body
from carecoord_shared.fhir.outcome import bad_request
from carecoord_shared.fhir.parsing import parse_resource

Json = dict[str, Any]


class ParametersIn:
    """The named parameters of a Parameters resource (each at most once)."""

    def __init__(self, body: Json) -> None:
        self.values: dict[str, Json] = {}
        for part in body.get("parameter") or []:
            name = part.get("name")
            if name in self.values:
                raise bad_request(f"Parameter '{name}' is given twice", (self.where(name),))
            self.values[name] = part

    @staticmethod
    def where(name: str) -> str:
        return f"Parameters.parameter.where(name='{name}')"

    def value(self, name: str, kind: str, *, required: bool = False) -> Any:
        part = self.values.get(name)
        if part is None or f"value{kind}" not in part:
            if required or part is not None:
                raise bad_request(
                    f"Parameter '{name}' (value{kind}) is required", (self.where(name),), "required"
                )
            return None
        return part[f"value{kind}"]

    def text(self, name: str, *, required: bool = False, limit: int = 200) -> str | None:
        found = self.value(name, "String", required=required)
        if found is not None and (not found.strip() or len(found) > limit):
            raise bad_request(
                f"Parameter '{name}' must be 1-{limit} characters", (self.where(name),)
            )
        return None if found is None else str(found)


async def parameters_body(request: Request) -> ParametersIn:
    limit = int(request.app.state.settings.max_body_bytes)
    return ParametersIn(parse_resource(await read_body(request, limit), "Parameters"))


def instant(text: str, where: str) -> datetime:
    """A FHIR date or dateTime with a time zone, as an aware datetime."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise bad_request(f"{where} is not a valid date or dateTime", (where,), "value") from None
    if parsed.tzinfo is None:
        raise bad_request(f"{where} needs a time zone", (where,), "value")
    return parsed


def day(text: str | None, where: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad_request(f"{where} must be a date (YYYY-MM-DD)", (where,), "value") from None


def one_query_value(request: Request, name: str, limit: int = 64) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise bad_request(f"'{name}' may be given once", (name,))
    if values and (not values[0] or len(values[0]) > limit):
        raise bad_request(f"'{name}' must be 1-{limit} characters", (name,), "value")
    return values[0] if values else None


def only_known(request: Request, known: set[str]) -> None:
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise bad_request(f"Unknown parameter '{unknown[0][:40]}'", (unknown[0][:40],))
