"""The typed parameters of FHIR operations: their declaration, and reading their values.

`Param` declares one parameter (FHIR type, cardinality, allowed codes, parts);
`value_of` reads one Parameters part as that declaration says, `from_query` turns a
query-string value into the part it stands for, and `Arguments` is what a handler
reads. Every mistake names the parameter the one way: `parameter_path(name)`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from carecoord_shared.fhir.outcome import FhirError, JsonObject, bad_request
from carecoord_shared.fhir.parsing import check_id, is_known_resource_type, validate_resource

__all__ = [
    "COMPLEX_TYPES",
    "PRIMITIVE_TYPES",
    "Arguments",
    "Param",
    "from_query",
    "named_issues",
    "parameter_path",
    "value_of",
]

_POSITION = re.compile(r"Parameters\.parameter\[(\d+)\]")


def parameter_path(name: str) -> str:
    """Where a parameter is, as every operation's 400 says it."""
    return f"Parameters.parameter.where(name='{name[:60]}')"


PRIMITIVE_TYPES = frozenset(
    {"boolean", "code", "date", "dateTime", "decimal", "id", "instant", "integer"}
    | {"positiveInt", "string", "uri", "url", "canonical", "unsignedInt", "time"}
)
COMPLEX_TYPES = frozenset(
    {"Coding", "CodeableConcept", "Identifier", "Reference", "Period", "Quantity", "Attachment"}
)


@dataclass(frozen=True, slots=True)
class Param:
    """One input or output parameter: FHIR type, cardinality and what it means."""

    name: str
    type: str
    min: int = 0
    max: int | None = 1
    """None for `*` (any number)."""
    documentation: str = ""
    target: tuple[str, ...] = ()
    """For Reference parameters: the resource types it may point at."""
    values: tuple[str, ...] = ()
    """For code parameters: the codes allowed (documented and checked)."""
    parts: tuple[Param, ...] = ()
    """A parameter made of named parts (no type of its own), e.g. a score's inputs."""

    @classmethod
    def made_of(
        cls, name: str, documentation: str, *parts: Param, min: int = 0, max: int | None = None
    ) -> Param:
        """A parameter made of named parts, with no FHIR type of its own (a transition, an
        action and its owner, a score's inputs); any number of times unless `max` says."""
        return cls(name, "", min, max, documentation, parts=parts)

    @property
    def is_resource(self) -> bool:
        if self.parts:
            return False
        return self.type not in PRIMITIVE_TYPES and self.type not in COMPLEX_TYPES

    @property
    def value_key(self) -> str:
        return "resource" if self.is_resource else f"value{self.type[0].upper()}{self.type[1:]}"

    @property
    def cardinality(self) -> str:
        return "*" if self.max is None else str(self.max)


class Arguments:
    """The checked input of one call, read by the declared names."""

    def __init__(self, values: Mapping[str, list[Any]]) -> None:
        self._values = values

    def has(self, name: str) -> bool:
        return bool(self._values.get(name))

    def all(self, name: str) -> list[Any]:
        return list(self._values.get(name, []))

    def get(self, name: str) -> Any:
        found = self._values.get(name)
        return found[0] if found else None

    def text(self, name: str) -> str | None:
        value = self.get(name)
        return None if value is None else str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        return default if value is None else bool(value)

    def number(self, name: str) -> int | None:
        value = self.get(name)
        return None if value is None else int(value)

    def reference_id(self, name: str) -> str | None:
        """The id of a Reference parameter (its type was checked against `target`)."""
        value = self.get(name)
        return None if value is None else str(value["reference"]).split("/", 1)[1]

    def identifier_value(self, name: str) -> str | None:
        value = self.get(name)
        return None if value is None else str(value.get("value") or "")

    def code_of(self, name: str) -> str | None:
        """The code of a code, Coding or CodeableConcept parameter."""
        value = self.get(name)
        if value is None or isinstance(value, str):
            return value
        codings = value.get("coding", [value]) if "coding" in value else [value]
        return next(
            (str(c["code"]) for c in codings if isinstance(c, dict) and c.get("code")), None
        )


def _check_value(param: Param, value: Any) -> Any:
    where = (parameter_path(param.name),)
    if param.values and value not in param.values:
        raise bad_request(f"{param.name} must be one of {', '.join(param.values)}", where)
    if param.type == "Reference":
        reference = str(value.get("reference") or "") if isinstance(value, dict) else ""
        kind, _, ident = reference.partition("/")
        if param.target and kind not in param.target:
            raise bad_request(f"{param.name} must reference a {' or '.join(param.target)}", where)
        check_id(kind if is_known_resource_type(kind) else "Resource", ident)
    if param.type == "decimal":
        return Decimal(str(value))
    return value


def _parts_of(param: Param, part: JsonObject) -> dict[str, Any]:
    """The named parts of one parameter, each checked like a parameter (type, count)."""
    named = {p.name: p for p in param.parts}
    inner: dict[str, list[Any]] = {}
    for child in part.get("part", []):
        known = named.get(str(child.get("name")))
        if known is None:
            text = f"{param.name} has no part '{str(child.get('name'))[:40]}'"
            raise bad_request(text, (parameter_path(param.name),))
        inner.setdefault(known.name, []).append(value_of(known, child))
    for known in param.parts:
        count = len(inner.get(known.name, []))
        if count < known.min or (known.max is not None and count > known.max):
            text = f"{param.name} needs {known.min} to {known.cardinality} '{known.name}' part(s)"
            raise bad_request(
                text, (parameter_path(param.name),), "required" if not count else "invalid"
            )
    return {name: values if named[name].max != 1 else values[0] for name, values in inner.items()}


def value_of(param: Param, part: JsonObject) -> Any:
    if param.parts:
        return _parts_of(param, part)
    keys = [param.value_key]
    if param.type == "decimal":
        keys.append("valueInteger")  # a whole number is a decimal too
    found = next((k for k in keys if k in part), None)
    if found is None:
        given = next((k for k in part if k.startswith("value") or k == "resource"), "nothing")
        raise bad_request(
            f"{param.name} must be given as {param.value_key}, not {given}",
            (parameter_path(param.name),),
        )
    value = part[found]
    if param.is_resource and param.type != "Resource":
        validate_resource(value, param.type)
    return _check_value(param, value)


def named_issues(body: JsonObject, error: FhirError) -> FhirError:
    """The validator's `Parameters.parameter[2].valueX` as the one convention,
    `Parameters.parameter.where(name='x')`."""
    names = [str(p.get("name")) for p in body.get("parameter", []) if isinstance(p, dict)]

    def renamed(expression: str) -> str:
        found = _POSITION.match(expression)
        if found is None or int(found.group(1)) >= len(names):
            return expression
        return parameter_path(names[int(found.group(1))])

    issues = [
        dataclasses.replace(i, expression=tuple(renamed(e) for e in i.expression))
        for i in error.issues
    ]
    return FhirError(error.status, issues, error.headers)


def from_query(param: Param, text: str) -> JsonObject:
    """A query-string value as the Parameters part it stands for."""
    if param.type == "boolean":
        if text not in ("true", "false"):
            raise bad_request(f"{param.name} must be true or false", (parameter_path(param.name),))
        return {"name": param.name, "valueBoolean": text == "true"}
    if param.type in ("integer", "positiveInt", "unsignedInt"):
        try:
            return {"name": param.name, param.value_key: int(text)}
        except ValueError:
            raise bad_request(
                f"{param.name} must be a whole number", (parameter_path(param.name),)
            ) from None
    if param.type == "decimal":
        try:
            return {"name": param.name, "valueDecimal": float(Decimal(text))}
        except InvalidOperation:
            raise bad_request(
                f"{param.name} must be a number", (parameter_path(param.name),)
            ) from None
    if param.type == "Reference":
        return {"name": param.name, "valueReference": {"reference": text}}
    if param.type == "Identifier":
        system, _, value = text.rpartition("|")
        identifier = {"system": system, "value": value} if system else {"value": value}
        return {"name": param.name, "valueIdentifier": identifier}
    if param.type in PRIMITIVE_TYPES:
        return {"name": param.name, param.value_key: text}
    raise bad_request(
        f"{param.name} is a {param.type}: invoke ${param.name} by POST to give it",
        (parameter_path(param.name),),
    )
