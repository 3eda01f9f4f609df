"""The rules that put patients on an MDT's list from other services' events.

Each rule is a pure function of one event (and, for repeated requests, a count the
service looked up); each can be switched off in settings. Sources: the issue's list
(triage asking for MDT discussion, overdue care plan review, entry to the frailty or
end-of-life cohort, repeated A&G requests, an advice-line call that avoided
conveyance and needs follow-up); urgency per rule is local policy: end of life and
an avoided conveyance are `soon`, the rest routine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mdt.domain.model import Urgency

TRIAGE_REQUESTED = "triage-requested-mdt"
REVIEW_OVERDUE = "care-plan-review-overdue"
COHORT_ENTERED = "cohort-entered"
REPEATED_ADVICE = "repeated-advice-requests"
CONVEYANCE_AVOIDED = "conveyance-avoided-follow-up"
RULES = (TRIAGE_REQUESTED, REVIEW_OVERDUE, COHORT_ENTERED, REPEATED_ADVICE, CONVEYANCE_AVOIDED)

WATCHED_COHORTS = ("frailty", "end-of-life")


@dataclass(frozen=True, slots=True)
class RuleMatch:
    rule: str
    reason: str
    urgency: Urgency
    question: str | None = None


def triage_requested(data: Mapping[str, object]) -> RuleMatch | None:
    if data.get("mdtDiscussionRequested") is not True:
        return None
    return RuleMatch(
        TRIAGE_REQUESTED,
        "Triage asked for MDT discussion",
        "routine",
        "Triage clinician asked the MDT to discuss this patient",
    )


def review_overdue(data: Mapping[str, object]) -> RuleMatch:
    return RuleMatch(REVIEW_OVERDUE, "Care plan review is overdue", "routine")


def cohort_entered(data: Mapping[str, object]) -> RuleMatch | None:
    listed = data.get("entered")
    entered = [str(c) for c in listed if c in WATCHED_COHORTS] if isinstance(listed, list) else []
    if not entered:
        return None
    urgency: Urgency = "soon" if "end-of-life" in entered else "routine"
    return RuleMatch(COHORT_ENTERED, "Entered cohort: " + ", ".join(sorted(entered)), urgency)


def is_advice_request(data: Mapping[str, object]) -> bool:
    given = data.get("category")
    categories = [str(c).lower() for c in given] if isinstance(given, list) else []
    ubrn = str(data.get("ubrn") or "")
    return any("advice" in c for c in categories) or ubrn.startswith("a.")


def repeated_advice(count: int, threshold: int, window_days: int) -> RuleMatch | None:
    if count < threshold:
        return None
    return RuleMatch(
        REPEATED_ADVICE,
        f"{count} advice and guidance requests within {window_days} days",
        "routine",
    )


def conveyance_avoided(data: Mapping[str, object]) -> RuleMatch | None:
    if data.get("outcome") != "not-conveyed" or data.get("followUpNeeded") is not True:
        return None
    return RuleMatch(
        CONVEYANCE_AVOIDED, "Advice-line call avoided conveyance; follow-up needed", "soon"
    )
