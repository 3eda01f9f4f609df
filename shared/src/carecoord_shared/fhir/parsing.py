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
def _model(resource_type: str) -> Any:
    return get_fhir_model_class(resource_type)


def is_known_resource_type(resource_type: str) -> bool:
    try:
        _model(resource_type)
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


def decode_json(body: bytes) -> JsonObject:
    """Parse a JSON object body or raise a 400 OperationOutcome."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise bad_request("The body is not valid JSON", code="structure") from None
    if not isinstance(value, dict):
        raise bad_request("The body must be a JSON object (a FHIR resource)", code="structure")
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
        _model(resource_type).model_validate(value)
    except ValidationError as error:
        raise invalid(_issues_from(resource_type, error)) from None
    except (ValueError, TypeError):
        raise bad_request(f"The {resource_type} resource is not valid") from None
    return value


def parse_resource(body: bytes, expected_type: str | None = None) -> JsonObject:
    return validate_resource(decode_json(body), expected_type)
