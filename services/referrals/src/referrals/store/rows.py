"""Rows of the service's tables as the domain's records (their fields name the columns)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

from referrals.domain.triage import TriageState

RecordT = TypeVar("RecordT")


def values_of(record: Any) -> dict[str, Any]:
    """A record's fields as column values (a triage state as its code)."""
    values = {f.name: getattr(record, f.name) for f in fields(record)}
    return {k: v.value if isinstance(v, TriageState) else v for k, v in values.items()}


def record_of(kind: type[RecordT], row: Any) -> RecordT:
    """A row as a `kind` record (a `state` column as a TriageState)."""
    values = {f.name: getattr(row, f.name) for f in fields(kind)}  # type: ignore[arg-type]
    if "state" in values:
        values["state"] = TriageState(values["state"])
    return kind(**values)
