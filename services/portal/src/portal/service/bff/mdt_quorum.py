"""Quorum: which disciplines the people present at an MDT meeting cover.

DOMAIN.md names an MDT's core members by discipline (GP, community nurse, mental
health professional, social care professional, practice pharmacist, voluntary sector
link worker); a meeting is quorate when someone present covers each of them. A member's
discipline is read from the words of their role (the CareTeam role's `text`). A case
may also need a discipline by what it is about (its question and the reasons it was
listed): PORTAL.md's quorum warning flags a case needing a discipline nobody present
covers, so the chair can defer it rather than decide without them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from portal.service.bff.mdt_shapes import CaseView, Member

__all__ = ["CORE", "case_gaps", "discipline_of", "missing_core"]

CORE = {
    "gp": "GP",
    "community-nurse": "community nurse",
    "mental-health": "mental health professional",
    "social-care": "social care professional",
    "pharmacist": "pharmacist",
    "link-worker": "voluntary sector link worker",
}
# How a role's words name a discipline (first match wins).
_ROLE_WORDS: tuple[tuple[str, str], ...] = (
    ("pharmacist", r"pharmac"),
    ("mental-health", r"mental|psychiatr|cpn\b|psycholog"),
    ("link-worker", r"link worker|voluntary|social prescrib"),
    ("social-care", r"social|care manager"),
    ("community-nurse", r"nurse|district|matron"),
    ("gp", r"\bgp\b|general practi|doctor"),
)
# What in a case's question or reasons calls for a discipline.
_CASE_WORDS: tuple[tuple[str, str], ...] = (
    ("mental-health", r"mental|dementia|depress|anxiety|psych|self-harm"),
    ("social-care", r"carer|social|housing|safeguard|care package|care home"),
    ("pharmacist", r"medication|medicine|polypharmacy|prescri|drug"),
    ("community-nurse", r"wound|pressure|catheter|continence|end.of.life|palliative"),
    ("link-worker", r"lonel|isolat|benefit|debt|voluntary"),
)


def discipline_of(title: str) -> str:
    """The discipline a role's words name, or "" for one outside the core."""
    words = title.lower()
    return next((code for code, pattern in _ROLE_WORDS if re.search(pattern, words)), "")


def _covered(present: Iterable[Member]) -> set[str]:
    return {discipline_of(m.title) for m in present} - {""}


def missing_core(present: Iterable[Member]) -> list[str]:
    """The core disciplines nobody present covers, in DOMAIN.md's order."""
    covered = _covered(present)
    return [label for code, label in CORE.items() if code not in covered]


def case_gaps(case: CaseView, present: Iterable[Member]) -> list[str]:
    """The disciplines this case calls for that nobody present covers."""
    words = " ".join((case.question, *case.reasons)).lower()
    needed = {code for code, pattern in _CASE_WORDS if re.search(pattern, words)}
    needed.add("gp")  # GP-led MDTs: every case needs one
    covered = _covered(present)
    return [label for code, label in CORE.items() if code in needed and code not in covered]
