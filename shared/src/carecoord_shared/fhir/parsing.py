"""The one FHIR version seam: request bodies become validated R4 resources here.

CareCoord speaks FHIR R4 (4.0.1). `fhir.resources` has no plain R4 package, and its
R4B models read R4 JSON for every resource we use, so R4B is the validator. Nothing
else in the code base imports `fhir.resources`; moving to R5 means changing this
module. Pydantic errors become OperationOutcome issues whose `expression` is a
FHIRPath to the offending element, so a GP system can point at the bad field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import orjson
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from carecoord_shared.fhir.outcome import Issue, JsonObject, bad_request, invalid

FHIR_VERSION = "4.0.1"
GENERAL_PARAMETERS = frozenset({"_format", "_pretty"})
"""FHIR's parameters of every interaction (R4 http §3.1.0.1.10) that shape only the
response (JSON, indented or not): accepted on any search, read, create or operation."""
_DIGITS = re.compile(r"[0-9]{1,9}")
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def whole_number(text: str, where: str) -> int:
    """A non-negative whole number in ASCII digits (at most nine, so it fits the
    database's integers), or a 400 naming `where`."""
    if not _DIGITS.fullmatch(text):
        raise bad_request(f"{where} must be a whole number", (where,), "value")
    return int(text)


def check_id(resource_type: str, resource_id: str) -> str:
    """A FHIR logical id ([A-Za-z0-9-.]{1,64}), or a 400."""
    if not _ID.fullmatch(resource_id):
        raise bad_request(
            "A resource id is 1-64 letters, digits, '-' or '.'", (f"{resource_type}.id",), "value"
        )
    return resource_id


@cache
def model_class(resource_type: str) -> Any:
    """The R4 model of `resource_type` (raises KeyError, ValueError... for an unknown one)."""
    return get_fhir_model_class(resource_type)


def is_known_resource_type(resource_type: str) -> bool:
    try:
        model_class(resource_type)
    except (KeyError, ValueError, AttributeError, ImportError):
        return False
    return True


def fhirpath_of(resource_type: str, location: Sequence[int | str]) -> str:
    """`('note', 0, 'text')` -> `ServiceRequest.note[0].text`."""
    path = resource_type
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not part.startswith("function-"):
            path += f".{part}"
    return path


def _issues_from(resource_type: str, error: ValidationError) -> list[Issue]:
    issues = []
    for detail in error.errors(include_url=False, include_input=False):
        where = fhirpath_of(resource_type, detail["loc"])
        kind = detail["type"]
        if kind == "extra_forbidden":
            text, code = f"Unknown element {where}", "structure"
        elif kind.endswith("missing"):
            text, code = f"Missing required element {where}", "required"
        else:
            text, code = f"Invalid value at {where}: {detail['msg']}", "value"
        issues.append(Issue(code, text, (where,)))
    return issues


MAX_DEPTH = 64
"""Deepest nesting of objects and arrays accepted: real resources stay well under 30,
and validators and FHIRPath recurse over every level."""


def _check_shape(value: Any) -> None:
    """No NUL character anywhere (PostgreSQL text cannot hold one, and no FHIR string
    may contain it) and no nesting beyond `MAX_DEPTH`, checked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise bad_request(
                f"The body is nested deeper than {MAX_DEPTH} levels", code="structure"
            )
        if isinstance(item, str):
            if "\x00" in item:
                raise bad_request("Text may not contain a NUL character", code="value")
        elif isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    raise bad_request("Text may not contain a NUL character", code="value")
                if child is None:  # FHIR JSON: leave an element out, never null it
                    raise bad_request(f"'{key[:40]}' is null: leave the element out instead")
                if isinstance(child, list) and None in child and f"_{key}" not in item:
                    raise bad_request(f"'{key[:40]}' holds a null with no extension beside it")
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def load_json(body: bytes) -> object:
    """Parse a JSON body of any shape or raise a 400 OperationOutcome."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise bad_request("The body is not valid JSON", code="structure") from None


def decode_json(body: bytes) -> JsonObject:
    """Parse a JSON object body or raise a 400 OperationOutcome."""
    value = load_json(body)
    if not isinstance(value, dict):
        raise bad_request("The body must be a JSON object (a FHIR resource)", code="structure")
    _check_shape(value)
    return value


def validate_resource(value: JsonObject, expected_type: str | None = None) -> JsonObject:
    """Validate a decoded resource against the R4 model of its type.

    Returns the same dict (the caller's canonical JSON) once it is known to be valid.
    """
    resource_type = value.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type:
        raise bad_request("The resource has no resourceType", ("resourceType",), "required")
    if expected_type is not None and resource_type != expected_type:
        raise bad_request(
            f"Expected a {expected_type} resource but got {resource_type[:40]}",
            ("resourceType",),
        )
    if not is_known_resource_type(resource_type):
        raise bad_request(f"Unknown resourceType {resource_type[:40]}", ("resourceType",))
    try:
        model = model_class(resource_type).model_validate(value)
        normalised = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    except ValidationError as error:
        raise invalid(_issues_from(resource_type, error)) from None
    except (ValueError, TypeError, AttributeError, RecursionError):
        raise bad_request(f"The {resource_type} resource is not valid") from None
    issues = _json_type_issues(value, normalised, resource_type)
    if issues:
        raise invalid(issues)
    return value


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "structure"


def _json_type_issues(given: Any, normalised: Any, where: str) -> list[Issue]:
    """The validator coerces (a number for a dateTime, a string for an integer); FHIR's
    JSON does not: each primitive must already have its JSON type, or later code reading
    the stored bytes would meet a value of the wrong type."""
    if isinstance(given, dict) and isinstance(normalised, dict):
        return [
            issue
            for key, child in given.items()
            if key in normalised and key != "resourceType"
            for issue in _json_type_issues(child, normalised[key], f"{where}.{key}")
        ]
    if isinstance(given, list) and isinstance(normalised, list):
        return [
            issue
            for index, (child, other) in enumerate(zip(given, normalised, strict=False))
            for issue in _json_type_issues(child, other, f"{where}[{index}]")
        ]
    expected, found = _json_kind(normalised), _json_kind(given)
    if expected == found or "structure" in (expected, found):
        return []
    return [Issue("value", f"Invalid value at {where}: a JSON {expected} is required", (where,))]


def parse_resource(body: bytes, expected_type: str | None = None) -> JsonObject:
    return validate_resource(decode_json(body), expected_type)
