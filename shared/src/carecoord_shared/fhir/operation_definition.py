"""OperationDefinitions generated from the operations' own declarations.

A GP-system vendor reads `/fhir/OperationDefinition/{id}` to learn an operation's
parameters, their FHIR types and cardinality; because it is generated from the same
`Operation` the parser and renderer use, it cannot disagree with what the server
accepts. Canonical URLs sit under one root for the whole project.
"""

from __future__ import annotations

from carecoord_shared.fhir.canonical import CANONICAL_ROOT
from carecoord_shared.fhir.operations import Operation, Param
from carecoord_shared.fhir.outcome import JsonObject

__all__ = ["CANONICAL_ROOT", "definition_id", "definition_url", "operation_definition"]


def definition_id(operation: Operation) -> str:
    return operation.code


def definition_url(operation: Operation) -> str:
    return f"{CANONICAL_ROOT}/OperationDefinition/{definition_id(operation)}"


def _name(code: str) -> str:
    """A computer-friendly name as R4 wants it: starts upper-case, letters and digits."""
    return "".join(word[:1].upper() + word[1:] for word in code.replace("_", "-").split("-"))


def _parameter(param: Param, use: str) -> JsonObject:
    entry: JsonObject = {
        "name": param.name,
        "use": use,
        "min": param.min,
        "max": param.cardinality,
    }
    if param.parts:
        entry["part"] = [_parameter(p, use) for p in param.parts]
    else:
        entry["type"] = param.type
    if param.documentation or param.values:
        allowed = f" One of: {', '.join(param.values)}." if param.values else ""
        entry["documentation"] = f"{param.documentation}{allowed}".strip()
    if param.target:
        entry["targetProfile"] = [
            f"http://hl7.org/fhir/StructureDefinition/{kind}" for kind in param.target
        ]
    return entry


def operation_definition(operation: Operation, service: str) -> JsonObject:
    return {
        "resourceType": "OperationDefinition",
        "id": definition_id(operation),
        "url": definition_url(operation),
        "version": "0.1.0",
        "name": _name(operation.code),
        "title": operation.title,
        "status": "active",
        "kind": "operation",
        "publisher": f"CareCoord {service}",
        "description": operation.documentation,
        "affectsState": operation.changes_state,
        "code": operation.code,
        **({"resource": [operation.resource]} if operation.resource else {}),
        "system": operation.level == "system",
        "type": operation.level == "type",
        "instance": operation.level == "instance",
        "parameter": [
            *(_parameter(p, "in") for p in operation.inputs),
            *(_parameter(p, "out") for p in operation.outputs),
        ],
    }
