"""Reading the front door's rule file: every problem found, or a checked `RuleSet`.

The file is data written by clinicians; a mistake in it (an unknown route, a rule
without its author or review date, an exclusion on a question nobody asks, a red-flag
question with no rule behind it) must stop the portal starting, not route a patient
by half a rule set. So the reader collects every problem and raises them together.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, cast, get_args

from portal.domain.front_door_rules import (
    ROUTES,
    SEXES,
    AgeBand,
    Exclusion,
    PlanEscalation,
    Provenance,
    Question,
    QuestionGroup,
    RedFlag,
    Route,
    RouteAdvice,
    Rule,
    RuleFileError,
    RuleSet,
)
from portal.domain.red_flags import normalise

__all__ = ["parse_rule_set"]


class _Reader:
    """Collects every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def text(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{where}: '{key}' must be non-empty text")
            return ""
        return value

    def ages(self, data: Mapping[str, Any], where: str) -> AgeBand:
        return AgeBand(self.age(data, "ageMin", where), self.age(data, "ageMax", where))

    def age(self, data: Mapping[str, Any], key: str, where: str) -> int | None:
        value = data.get(key)
        if value is not None and (not isinstance(value, int) or not 0 <= value <= 130):
            self.problems.append(f"{where}: '{key}' must be a whole age 0 to 130")
            return None
        return value

    def route(self, value: object, where: str) -> Route:
        if value not in ROUTES:
            self.problems.append(f"{where}: route {value!r} is not one of {', '.join(ROUTES)}")
            return "gp"
        return value

    def provenance(self, data: Mapping[str, Any], where: str) -> Provenance:
        ident = self.text(data, "id", where)
        review = self.text(data, "reviewDue", f"{where} {ident}")
        try:
            review_due = date.fromisoformat(review)
        except ValueError:
            self.problems.append(f"{where} {ident}: reviewDue must be a date (YYYY-MM-DD)")
            review_due = date.min
        return Provenance(
            ident,
            self.text(data, "version", f"{where} {ident}"),
            self.text(data, "author", f"{where} {ident}"),
            review_due,
        )

    def exclusion(self, data: Mapping[str, Any], where: str) -> Exclusion:
        return Exclusion(
            answer=self.text(data, "answer", where),
            route=self.route(data.get("route"), where),
            explanation=self.text(data, "explanation", where),
            ages=self.ages(data, where),
            service=data.get("service"),
        )

    def rule(self, data: Mapping[str, Any], where: str) -> Rule:
        about = self.provenance(data, where)
        where = f"{where} {about.id}"
        sex = data.get("sex")
        if sex is not None and sex not in SEXES:
            self.problems.append(f"{where}: sex {sex!r} is not one of {', '.join(SEXES)}")
        otherwise = data.get("otherwise")
        return Rule(
            about=about,
            route=self.route(data.get("route"), where),
            service=self.text(data, "service", where),
            answer=data.get("answer"),
            explanation=self.text(data, "explanation", where),
            ages=self.ages(data, where),
            sex=sex if sex in SEXES else None,
            needs_coordinator=bool(data.get("needsCoordinator", False)),
            otherwise=None if otherwise is None else self.route(otherwise, where),
            otherwise_service=data.get("otherwiseService"),
            outside=str(data.get("outside", "")),
            exclusions=tuple(
                self.exclusion(e, f"{where} exclusion") for e in data.get("exclusions", [])
            ),
        )

    def red_flag(self, data: Mapping[str, Any]) -> RedFlag:
        about = self.provenance(data, "red flag")
        terms = data.get("terms")
        if not isinstance(terms, list) or not terms or not all(isinstance(t, str) for t in terms):
            self.problems.append(f"red flag {about.id}: 'terms' must be a list of phrases")
            terms = []
        normalised = frozenset(normalise(t) for t in terms) - {""}
        return RedFlag(
            about,
            self.route(data.get("route"), f"red flag {about.id}"),
            self.text(data, "answer", f"red flag {about.id}"),
            self.text(data, "explanation", f"red flag {about.id}"),
            normalised,
        )

    def advice(self, data: Mapping[str, Any], where: str) -> RouteAdvice:
        return RouteAdvice(
            self.text(data, "title", where),
            self.text(data, "service", where),
            self.text(data, "advice", where),
            self.text(data, "ifClosed", where),
            self.text(data, "ifWorse", where),
        )

    def question(self, data: Mapping[str, Any]) -> Question:
        group = data.get("group")
        if group not in get_args(QuestionGroup):
            self.problems.append(f"question {data.get('code')!r}: unknown group {group!r}")
        code = self.text(data, "code", "question")
        return Question(code, cast(QuestionGroup, group), self.text(data, "display", code))

    def escalation(self, data: Mapping[str, Any]) -> PlanEscalation:
        about = self.provenance(data, "plan escalation")
        markers = tuple(normalise(m) for m in data.get("markers", []) if isinstance(m, str))
        if not markers:
            self.problems.append(f"plan escalation {about.id}: 'markers' must list phrases")
        return PlanEscalation(
            about,
            markers,
            frozenset(data.get("answers", [])),
            self.text(data, "explanation", about.id),
        )


def parse_rule_set(data: Mapping[str, Any], services: frozenset[str]) -> RuleSet:
    """The rule set in `data`, checked against itself and the directory's service keys."""
    read = _Reader()
    routes = {
        read.route(k, "routes"): read.advice(v, f"route {k}") for k, v in _map(data, "routes")
    }
    order = tuple(read.route(r, "routeOrder") for r in data.get("routeOrder", []))
    rule_set = RuleSet(
        id=read.text(data, "id", "rule file"),
        version=read.text(data, "version", "rule file"),
        timezone=read.text(data, "timezone", "rule file"),
        route_order=order,
        max_text_length=int(data.get("maxTextLength", 2000)),
        questions=tuple(read.question(q) for q in data.get("questions", [])),
        red_flags=tuple(read.red_flag(f) for f in data.get("redFlags", [])),
        plan_escalations=tuple(read.escalation(p) for p in data.get("planEscalations", [])),
        rules=tuple(read.rule(r, "rule") for r in data.get("rules", [])),
        fallback=read.rule(data.get("fallback") or {}, "fallback"),
        routes=routes,
    )
    problems = read.problems + _consistency(rule_set, services)
    if problems:
        raise RuleFileError(problems)
    return rule_set


def _map(data: Mapping[str, Any], key: str) -> list[tuple[str, Mapping[str, Any]]]:
    value = data.get(key)
    return list(value.items()) if isinstance(value, Mapping) else []


def _consistency(rules: RuleSet, services: frozenset[str]) -> list[str]:
    problems: list[str] = []
    if sorted(rules.route_order) != sorted(ROUTES):
        problems.append("routeOrder must list every route exactly once")
    problems += [f"route {r} has no advice" for r in ROUTES if r not in rules.routes]
    codes = [q.code for q in rules.questions]
    problems += [f"question {c} is listed twice" for c in set(codes) if codes.count(c) > 1]
    groups = {q.code: q.group for q in rules.questions}
    flagged = {f.answer for f in rules.red_flags}
    problems += [
        f"red-flag question {q.code} has no red flag rule"
        for q in rules.questions_in("red-flag")
        if q.code not in flagged
    ]
    problems += [
        f"red flag {f.about.id} answers {f.answer}, which is not a red-flag question"
        for f in rules.red_flags
        if groups.get(f.answer) != "red-flag"
    ]
    ids = [
        *(f.about.id for f in rules.red_flags),
        *(p.about.id for p in rules.plan_escalations),
        *(r.about.id for r in (*rules.rules, rules.fallback)),
    ]
    problems += [f"rule id {i} is used twice" for i in set(ids) if ids.count(i) > 1]
    for rule in (*rules.rules, rules.fallback):
        problems += _rule_problems(rule, groups, services)
    for advice in rules.routes.values():
        if advice.service not in services:
            problems.append(f"route advice names unknown service {advice.service}")
    for plan in rules.plan_escalations:
        problems += [
            f"plan escalation {plan.about.id} covers unknown answer {a}"
            for a in plan.answers
            if groups.get(a) != "symptom"
        ]
    return problems


def _rule_problems(rule: Rule, groups: Mapping[str, str], services: frozenset[str]) -> list[str]:
    where = f"rule {rule.about.id}"
    problems: list[str] = []
    if rule.answer is not None and groups.get(rule.answer) != "symptom":
        problems.append(f"{where} answers {rule.answer}, which is not a symptom question")
    for service in (rule.service, rule.otherwise_service, *(e.service for e in rule.exclusions)):
        if service is not None and service not in services:
            problems.append(f"{where} names unknown service {service}")
    if rule.ages.inverted:
        problems.append(f"{where}: ageMin is above ageMax")
    if (rule.ages.bounded or rule.sex) and not rule.otherwise:
        problems.append(f"{where} has an age or sex band but no 'otherwise' route")
    problems += [
        f"{where} excludes on unknown answer {e.answer}"
        for e in rule.exclusions
        if e.answer not in groups
    ]
    return problems
