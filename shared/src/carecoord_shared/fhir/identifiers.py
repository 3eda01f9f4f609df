"""National identifiers every service checks the same way.

An NHS number is ten digits whose last is a modulus 11 check digit (NHS Data
Dictionary, "NHS Number"). Any Identifier in any resource that claims the NHS number
system must pass, wherever it sits, so a typo never links a record to the wrong person.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from carecoord_shared.fhir.outcome import Issue

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
UBRN_SYSTEM = "https://fhir.nhs.uk/Id/ubrn"
SDS_USER_SYSTEM = "https://fhir.nhs.uk/Id/sds-user-id"


def with_check_digit(first_nine: str) -> str | None:
    """The NHS number made of nine digits and their modulus 11 check digit, or None
    where the check digit would be 10 (no valid number has that prefix)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else f"{first_nine}{check}"


def is_valid_nhs_number(value: str) -> bool:
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return False
    return with_check_digit(value[:9]) == value


def _identifiers(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("system") == NHS_NUMBER_SYSTEM and "value" in node:
            yield path, node
        for key, child in node.items():
            yield from _identifiers(child, f"{path}.{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _identifiers(child, f"{path}[{index}]")


def nhs_number_issues(resource: dict[str, Any]) -> list[Issue]:
    """Every NHS-number identifier in the resource whose check digit fails."""
    root = str(resource.get("resourceType", "Resource"))
    return [
        Issue("value", "Invalid NHS number (check digit)", (f"{path}.value",))
        for path, identifier in _identifiers(resource, root)
        if not is_valid_nhs_number(str(identifier.get("value", "")))
    ]
