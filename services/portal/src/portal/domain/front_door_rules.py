"""The front door's rule set as typed data, checked whole before the portal starts.

The clinical content (questions, red flags with their synonyms and misspellings,
Pharmacy First bands and exclusions, self-referral exclusions, escalation plans, the
advice for each route) lives in a versioned data file, each rule with its id,
version, clinical author and review date. This module only gives that file a shape
and refuses a file that is wrong in any way (`RuleFileError` lists every problem), so
a bad edit stops start-up loudly instead of routing a patient by half a rule set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

__all__ = [
    "ROUTES",
    "SEXES",
    "AgeBand",
    "Exclusion",
    "PlanEscalation",
    "Provenance",
    "Question",
    "QuestionGroup",
    "RedFlag",
    "Route",
    "RouteAdvice",
    "Rule",
    "RuleFileError",
    "RuleSet",
    "Sex",
]

Route = Literal[
    "999", "crisis", "111", "pharmacy", "self-referral", "gp", "coordinator", "own-plan"
]
ROUTES: tuple[Route, ...] = get_args(Route)
Sex = Literal["female", "male", "other", "unknown"]
SEXES: tuple[Sex, ...] = get_args(Sex)
QuestionGroup = Literal["red-flag", "symptom", "context"]


class RuleFileError(ValueError):
    """The rule file is unusable; `problems` says every way it is wrong."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("The front door rule file is invalid: " + "; ".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class Provenance:
    id: str
    version: str
    author: str
    review_due: date


@dataclass(frozen=True, slots=True)
class Question:
    code: str
    group: QuestionGroup
    display: str


@dataclass(frozen=True, slots=True)
class RedFlag:
    about: Provenance
    route: Route
    answer: str
    explanation: str
    terms: frozenset[str]
    """Normalised phrases (see `red_flags.normalise`) that disclose this flag in free text."""


@dataclass(frozen=True, slots=True)
class AgeBand:
    """The ages a rule or an exclusion applies to, both ends included (None: open)."""

    low: int | None = None
    high: int | None = None

    def __contains__(self, age: int) -> bool:
        return (self.low is None or age >= self.low) and (self.high is None or age <= self.high)

    @property
    def bounded(self) -> bool:
        return self.low is not None or self.high is not None

    @property
    def inverted(self) -> bool:
        return self.low is not None and self.high is not None and self.low > self.high


@dataclass(frozen=True, slots=True)
class Exclusion:
    answer: str
    route: Route
    explanation: str
    ages: AgeBand = AgeBand()
    service: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    about: Provenance
    route: Route
    service: str
    answer: str | None
    explanation: str
    ages: AgeBand = AgeBand()
    sex: Sex | None = None
    needs_coordinator: bool = False
    otherwise: Route | None = None
    otherwise_service: str | None = None
    outside: str = ""
    exclusions: tuple[Exclusion, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanEscalation:
    about: Provenance
    markers: tuple[str, ...]
    answers: frozenset[str]
    explanation: str


@dataclass(frozen=True, slots=True)
class RouteAdvice:
    title: str
    service: str
    advice: str
    if_closed: str
    if_worse: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    id: str
    version: str
    timezone: str
    route_order: tuple[Route, ...]
    max_text_length: int
    questions: tuple[Question, ...]
    red_flags: tuple[RedFlag, ...]
    plan_escalations: tuple[PlanEscalation, ...]
    rules: tuple[Rule, ...]
    fallback: Rule
    routes: Mapping[Route, RouteAdvice]

    def urgency(self, route: Route) -> int:
        """Smaller is more urgent."""
        return self.route_order.index(route)

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)

    def questions_in(self, group: QuestionGroup) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.group == group)
