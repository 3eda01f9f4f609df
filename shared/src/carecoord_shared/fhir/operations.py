"""Typed FHIR operations: one declaration gives the parser, renderer and definition.

An operation (`$triage`, `$nominate`, ...) declares its input and output parameters
once (name, FHIR type, cardinality, documentation) and whether it changes state.
From that declaration the kernel reads a `Parameters` body (or, for an operation that
changes nothing, the query string of a GET) into checked `Arguments`, renders the
handler's outputs as `Parameters` (or the single `return` resource), serves the
`OperationDefinition` and lists the operation in the CapabilityStatement. Every
mistake in the input answers 400 with one convention for where it is:
`Parameters.parameter.where(name='x')`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from carecoord_shared.fhir.outcome import JsonObject, bad_request
from carecoord_shared.fhir.parsing import check_id, is_known_resource_type, validate_resource

if TYPE_CHECKING:
    from carecoord_shared.fhir.interactions import FhirInteractions
    from carecoord_shared.security.principal import Principal

__all__ = [
    "Arguments",
    "Operation",
    "OperationCall",
    "OperationResult",
    "Param",
    "parameter_path",
]

PRIMITIVE_TYPES = frozenset(
    {"boolean", "code", "date", "dateTime", "decimal", "id", "instant", "integer"}
    | {"positiveInt", "string", "uri", "url", "canonical", "unsignedInt", "time"}
)
COMPLEX_TYPES = frozenset(
    {"Coding", "CodeableConcept", "Identifier", "Reference", "Period", "Quantity", "Attachment"}
)
Level = Literal["system", "type", "instance"]


def parameter_path(name: str) -> str:
    """Where a parameter is, as every operation's 400 says it."""
    return f"Parameters.parameter.where(name='{name[:60]}')"


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

    @property
    def is_resource(self) -> bool:
        return self.type not in PRIMITIVE_TYPES and self.type not in COMPLEX_TYPES

    @property
    def value_key(self) -> str:
        return "resource" if self.is_resource else f"value{self.type[0].upper()}{self.type[1:]}"

    @property
    def cardinality(self) -> str:
        return "*" if self.max is None else str(self.max)


@dataclass(slots=True)
class OperationResult:
    """What a handler answers: a resource (Parameters, Bundle, ...), status and headers."""

    body: JsonObject | bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OperationCall:
    """One invocation: who, on what, with which checked arguments, and the service's
    context and units of work (the only way a handler reaches stored data)."""

    principal: Principal
    arguments: Arguments
    resource_id: str | None
    context: Any
    fhir: FhirInteractions
    if_match: int | None
    base_url: str


Handler = Callable[[OperationCall], Awaitable[OperationResult]]


@dataclass(frozen=True, slots=True)
class Operation:
    """A FHIR operation a service offers, declared once."""

    name: str
    title: str
    documentation: str
    handler: Handler
    resource: str | None = None
    """The resource type it is invoked on; None for a system-level operation."""
    level: Level = "instance"
    changes_state: bool = True
    inputs: tuple[Param, ...] = ()
    outputs: tuple[Param, ...] = ()
    scope_type: str | None = None
    """Whose SMART scope permits it (default: `resource`); None with no resource means
    the handler makes its own permission check."""
    status: int = 200

    @property
    def code(self) -> str:
        return self.name.lstrip("$")

    @property
    def path(self) -> str:
        if self.level == "system" or self.resource is None:
            return f"/fhir/${self.code}"
        if self.level == "type":
            return f"/fhir/{self.resource}/${self.code}"
        return f"/fhir/{self.resource}/{{resource_id}}/${self.code}"

    @property
    def methods(self) -> tuple[str, ...]:
        """FHIR allows GET for an operation that changes nothing (and POST for all)."""
        return ("POST",) if self.changes_state else ("GET", "POST")

    @property
    def returns_resource(self) -> bool:
        """One output named `return` that is a resource: the answer is that resource."""
        return (
            len(self.outputs) == 1
            and self.outputs[0].name == "return"
            and self.outputs[0].is_resource
        )

    def input(self, name: str) -> Param | None:
        return next((p for p in self.inputs if p.name == name), None)

    def result(self, **values: object) -> OperationResult:
        """Render outputs by their declared names and types as the operation's answer
        (with the operation's status; build an `OperationResult` for another)."""
        return OperationResult(render(self, values), self.status)


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


def _value_of(param: Param, part: JsonObject) -> Any:
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


def parse_body(operation: Operation, body: JsonObject) -> Arguments:
    """A POSTed Parameters resource into checked arguments."""
    validate_resource(body, "Parameters")
    values: dict[str, list[Any]] = {}
    for part in body.get("parameter", []):
        name = str(part.get("name"))
        param = operation.input(name)
        if param is None:
            raise bad_request(
                f"${operation.code} has no parameter '{name[:40]}'", (parameter_path(name),)
            )
        values.setdefault(name, []).append(_value_of(param, part))
    return _checked(operation, values)


def _from_query(param: Param, text: str) -> JsonObject:
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


def parse_query(operation: Operation, items: Sequence[tuple[str, str]]) -> Arguments:
    """The query string of a GET into the same checked arguments as a POST body."""
    parts: list[JsonObject] = []
    for name, text in items:
        if name.startswith("_"):
            continue  # _format and friends belong to the HTTP layer
        param = operation.input(name)
        if param is None:
            raise bad_request(
                f"${operation.code} has no parameter '{name[:40]}'", (parameter_path(name),)
            )
        parts.append(_from_query(param, text))
    return parse_body(operation, {"resourceType": "Parameters", "parameter": parts})


def _checked(operation: Operation, values: dict[str, list[Any]]) -> Arguments:
    for param in operation.inputs:
        count = len(values.get(param.name, []))
        if count < param.min:
            raise bad_request(
                f"The '{param.name}' parameter is required",
                (parameter_path(param.name),),
                "required",
            )
        if param.max is not None and count > param.max:
            raise bad_request(
                f"The '{param.name}' parameter may appear at most {param.max} time(s)",
                (parameter_path(param.name),),
            )
    return Arguments(values)


def _json_value(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


def render(operation: Operation, values: Mapping[str, object]) -> JsonObject:
    """Outputs by name into the Parameters (or `return` resource) the caller receives."""
    unknown = set(values) - {p.name for p in operation.outputs}
    if unknown:
        raise ValueError(f"${operation.code} declares no output {sorted(unknown)}")
    if operation.returns_resource:
        resource = values["return"]
        assert isinstance(resource, dict)
        return resource
    parts: list[JsonObject] = []
    for param in operation.outputs:
        value = values.get(param.name)
        if value is None:
            if param.min:
                raise ValueError(f"${operation.code} must return {param.name}")
            continue
        for item in value if isinstance(value, list) else [value]:
            parts.append({"name": param.name, param.value_key: _json_value(item)})
    return {"resourceType": "Parameters", "parameter": parts}
