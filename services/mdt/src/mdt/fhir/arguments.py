"""Reading the MDT operations' checked arguments into domain values.

The kernel parses each call against the operation's declaration (types, cardinality,
codes, reference targets) and answers 400 naming the parameter; what is left here
is what a FHIR type cannot say: text length, number ranges, a dateTime that needs a
zone, an NHS number's check digit. Every refusal uses the kernel's one convention,
`Parameters.parameter.where(name='x')`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM, ODS_SYSTEM, is_valid_nhs_number
from carecoord_shared.fhir.operations import Arguments, parameter_path
from carecoord_shared.fhir.outcome import bad_request
from mdt.domain.commands import Action
from mdt.domain.model import NhsNumber

MAX_TEXT = 4000


def _where(name: str) -> tuple[str]:
    return (parameter_path(name),)


def _text(value: object, name: str, parameter: str) -> str | None:
    """1-4000 characters, surrounding spaces dropped (None stays None)."""
    if value is None:
        return None
    if not str(value).strip() or len(str(value)) > MAX_TEXT:
        raise bad_request(f"'{name}' must be 1-{MAX_TEXT} characters", _where(parameter), "value")
    return str(value).strip()


def text(arguments: Arguments, name: str) -> str | None:
    """A string parameter of 1-4000 characters, or None if not given."""
    return _text(arguments.get(name), name, name)


def texts(arguments: Arguments, name: str) -> tuple[str, ...]:
    return tuple(str(_text(value, name, name)) for value in arguments.all(name))


def integer(arguments: Arguments, name: str, default: int, low: int, high: int) -> int:
    value = arguments.number(name)
    if value is None:
        return default
    if not low <= value <= high:
        raise bad_request(f"'{name}' must be between {low} and {high}", _where(name), "value")
    return value


def decimal(arguments: Arguments, name: str, low: float, high: float) -> float | None:
    value = arguments.get(name)
    if value is None:
        return None
    number = float(value)
    if not low <= number <= high:
        raise bad_request(f"'{name}' must be between {low} and {high}", _where(name), "value")
    return number


def instant(arguments: Arguments, name: str) -> datetime:
    """A dateTime to the minute at least, with its time zone."""
    value = str(arguments.get(name))
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"'{name}' must be a date and time", _where(name), "value") from None
    if parsed.tzinfo is None or len(value) < 16:
        raise bad_request(f"'{name}' needs a time and a time zone", _where(name), "value")
    return parsed


def day(arguments: Arguments, name: str) -> date | None:
    """A full date (R4 also allows `2030` and `2030-03`, which name no day), or None."""
    value = arguments.get(name)
    return None if value is None else _day(value, name, name)


def nhs_number(arguments: Arguments, name: str) -> NhsNumber:
    """An Identifier parameter that must be a valid NHS number."""
    identifier = arguments.get(name) or {}
    if identifier.get("system") != NHS_NUMBER_SYSTEM:
        raise bad_request(f"Give '{name}' as an NHS number valueIdentifier", _where(name), "value")
    if not is_valid_nhs_number(str(identifier.get("value", ""))):
        raise bad_request("Invalid NHS number (check digit)", _where(name), "value")
    return NhsNumber(str(identifier["value"]))


def owner_action(given: dict[str, Any]) -> Action:
    """One `action` of `$record-outcome`, its parts already counted and typed by their
    declarations (description, ownerKind and dueOn once each): the owner its kind needs."""
    where = _where("action")
    kind = given["ownerKind"]
    reference = given.get("owner") or {}
    organisation = given.get("ownerOrganisation") or {}
    if kind == "person" and not reference.get("reference"):
        raise bad_request("A person owner needs 'owner' as a literal reference", where)
    if kind == "organisation" and (
        organisation.get("system") != ODS_SYSTEM or not organisation.get("value")
    ):
        raise bad_request("An organisation owner needs 'ownerOrganisation' (ODS code)", where)
    display = _text(given.get("ownerDisplay"), "ownerDisplay", "action")
    if kind == "role" and display is None:
        raise bad_request("A role owner needs 'ownerDisplay'", where, "required")
    return Action(
        description=_text(given["description"], "description", "action") or "",
        owner_kind=kind,
        due_on=_day(given["dueOn"], "dueOn", "action"),
        owner_reference=str(reference["reference"]) if kind == "person" else None,
        owner_display=display,
        owner_organisation=str(organisation["value"]) if kind == "organisation" else None,
    )


def _day(value: object, name: str, parameter: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise bad_request(f"'{name}' must be a date (YYYY-MM-DD)", _where(parameter)) from None
