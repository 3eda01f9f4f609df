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
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from carecoord_shared.fhir.operation_parameters import (
    Arguments,
    Param,
    from_query,
    named_issues,
    parameter_path,
    value_of,
)
from carecoord_shared.fhir.outcome import FhirError, JsonObject, bad_request
from carecoord_shared.fhir.parsing import validate_resource

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
    "parse_body",
    "parse_query",
    "render",
]

Level = Literal["system", "type", "instance"]


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
    """The caller; `ANONYMOUS` (no scopes, no patient) for an `anonymous` operation
    invoked without a token."""
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
    scope_letter: Literal["c", "r", "u", "d", "s"] | None = None
    """The SMART interaction it needs on that type (default: `u` if it changes state,
    else `r`); an operation that records something new needs `c`."""
    status: int = 200
    anonymous: bool = False
    """May be invoked without a token (the front door's screening): the handler then
    gets `call.principal` = `ANONYMOUS` and must store nothing."""

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


def parse_body(operation: Operation, body: JsonObject) -> Arguments:
    """A POSTed Parameters resource into checked arguments."""
    try:
        validate_resource(body, "Parameters")
    except FhirError as error:
        raise named_issues(body, error) from None
    values: dict[str, list[Any]] = {}
    for part in body.get("parameter", []):
        name = str(part.get("name"))
        param = operation.input(name)
        if param is None:
            raise bad_request(
                f"${operation.code} has no parameter '{name[:40]}'", (parameter_path(name),)
            )
        values.setdefault(name, []).append(value_of(param, part))
    return _checked(operation, values)


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
        parts.append(from_query(param, text))
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
    rendered = _rendered(operation.outputs, values)
    return {"resourceType": "Parameters", **({"parameter": rendered} if rendered else {})}


def _rendered(params: Sequence[Param], values: Mapping[str, object]) -> list[JsonObject]:
    rendered: list[JsonObject] = []
    for param in params:
        value = values.get(param.name)
        if value is None:
            if param.min:
                raise ValueError(f"an output must have {param.name}")
            continue
        for item in value if isinstance(value, list) else [value]:
            if param.parts:
                assert isinstance(item, Mapping)
                rendered.append({"name": param.name, "part": _rendered(param.parts, item)})
            else:
                rendered.append({"name": param.name, param.value_key: _json_value(item)})
    return rendered
