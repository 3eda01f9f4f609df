"""Refusing an operation's argument, and reading a date-time the kernel leaves as text.

The kernel checks each argument against its declaration (type, cardinality, codes,
reference targets); what a declaration cannot say (a check digit, a zone) is refused
here, the kernel's one way: 400 naming the parameter `Parameters.parameter.where(name='x')`.
"""

from __future__ import annotations

from datetime import datetime

from carecoord_shared.fhir.operations import parameter_path
from carecoord_shared.fhir.outcome import FhirError, bad_request


def bad_parameter(name: str, text: str, code: str = "invalid") -> FhirError:
    """400 with issue `code`, saying `text` about the parameter `name`."""
    return bad_request(text, (parameter_path(name),), code)


def date_time(text: str | None, name: str, code: str = "invalid") -> datetime | None:
    """The parameter `name` as an ISO 8601 date-time (without a zone if it has none),
    None if it was not given."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise bad_parameter(name, f"{name} must be an ISO 8601 date-time", code) from None
