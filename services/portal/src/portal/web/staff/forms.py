"""Reading and checking the staff forms, with messages in the NHS.UK error pattern.

Each problem is (message, the id of the field it is about), so the page's error
summary links to the field and the field shows the same message beside it.
"""

from __future__ import annotations

from starlette.datastructures import FormData

from portal.service.bff import referrals_vocabulary as v
from portal.service.bff.triage import Decision

__all__ = ["Problem", "decision_errors", "read_decision", "text"]

Problem = tuple[str, str]
MAX_TEXT = 4000


def text(form: FormData, name: str, limit: int = MAX_TEXT) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def read_decision(form: FormData) -> Decision:
    return Decision(
        outcome=text(form, "outcome", 64),
        note=text(form, "note"),
        reason=text(form, "reason", 64),
        redirect_to=text(form, "redirect_to", 64),
    )


def decision_errors(decision: Decision) -> list[Problem]:
    if decision.outcome not in v.PROVIDER_OUTCOMES:
        return [("Choose a triage outcome", "outcome")]
    problems: list[Problem] = []
    if decision.outcome == "advice-given" and not decision.note:
        problems.append(("Enter your advice for the referrer", "note"))
    if decision.outcome == "information-requested" and not decision.note:
        problems.append(("Enter what information you need from the referrer", "note"))
    if decision.outcome == "rejected" and decision.reason not in v.REJECTION_REASONS:
        problems.append(("Choose a reason for rejecting the request", "reason"))
    if decision.outcome == "redirected" and not decision.redirect_to:
        problems.append(("Choose the service to redirect the request to", "redirect_to"))
    return problems
