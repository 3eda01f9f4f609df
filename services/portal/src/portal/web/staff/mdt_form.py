"""Reading meeting mode's outcome form, and the per-case timer that needs no script.

The case page carries the time it was drawn (`started`, signed by nothing: it only
fills the minutes-spent figure, which the chair may overwrite); the minutes spent are
what the chair typed, else the time since the case was opened, capped at the mdt
service's 240 minutes.
"""

from __future__ import annotations

from datetime import datetime

from starlette.datastructures import FormData

from portal.service.bff.clock import parse_instant
from portal.service.bff.mdt_outcomes import ActionForm, OutcomeForm
from portal.web.staff.forms import text

__all__ = ["ACTION_ROWS", "read_outcome"]

ACTION_ROWS = 3
_MAX_MINUTES = 240.0


def _minutes(form: FormData, now: datetime) -> float | None:
    typed = text(form, "minutes", 8)
    if typed:
        try:
            return min(max(float(typed), 0.0), _MAX_MINUTES)
        except ValueError:
            return None
    started = parse_instant(text(form, "started", 40))
    if started is None or started.tzinfo is None or started > now:
        return None
    return round(min((now - started).total_seconds() / 60, _MAX_MINUTES), 1)


def read_outcome(form: FormData, now: datetime) -> OutcomeForm:
    actions = tuple(
        ActionForm(
            text(form, f"action-{n}"),
            text(form, f"action-{n}-owner", 200),
            text(form, f"action-{n}-due", 10),
        )
        for n in range(1, ACTION_ROWS + 1)
    )
    return OutcomeForm(
        status=text(form, "status", 32),
        summary=text(form, "summary"),
        decisions=text(form, "decisions"),
        plan_reviewed=text(form, "plan_reviewed", 8) == "yes",
        minutes=_minutes(form, now),
        actions=actions,
    )
