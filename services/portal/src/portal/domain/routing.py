"""The front door's decision: where a patient should go, and why, from the rule set.

Pure and deterministic (no I/O, "now" is given), so the ≥150-case rule table runs
against exactly what the API and the pages run. The order of safety:
1. Red flags, from structured answers or the free-text net: 999 or crisis advice, and
   `red_flag` set so the request is escalated, never dropped.
2. The patient's own escalation plan (a P9 patient whose care plan holds one), for
   the symptoms that plan covers.
3. Every other rule whose symptom was given: its age and sex bands and exclusions
   decide its route; across several symptoms the most urgent route wins.
4. Nothing matched: the GP practice (the rule file's fallback).
Every decision carries its rule's id and version, the reason in plain words from the
rule file, and whether the chosen service is open now (and when it opens if not).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from portal.domain.front_door_rules import (
    Provenance,
    RedFlag,
    Route,
    RouteAdvice,
    Rule,
    RuleSet,
    Sex,
)
from portal.domain.opening import Service, open_in_group
from portal.domain.red_flags import normalise, phrases_in

__all__ = ["Decision", "FlagFound", "PlanContext", "Situation", "decide"]

_RED_FLAG_ROUTES: frozenset[Route] = frozenset({"999", "crisis"})


@dataclass(frozen=True, slots=True)
class PlanContext:
    """What the portal's read model knows of a signed-in (P9) patient's care."""

    plan_text: str = ""
    """The care plan's title and description (escalation plans are found by marker)."""
    has_coordinator: bool = False


@dataclass(frozen=True, slots=True)
class Situation:
    age: int
    sex: Sex
    answers: frozenset[str]
    text: str = ""
    plan: PlanContext | None = None


@dataclass(frozen=True, slots=True)
class FlagFound:
    rule: Provenance
    route: Route
    by_answer: bool
    terms: tuple[str, ...]
    """The phrases of the free text that disclosed it (empty if only answered)."""


@dataclass(frozen=True, slots=True)
class _Candidate:
    route: Route
    rule: Provenance
    reason: str
    service: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    route: Route
    red_flag: bool
    rule: Provenance
    reason: str
    advice: RouteAdvice
    service: Service
    open_now: bool
    opens_next: datetime | None
    flags: tuple[FlagFound, ...] = ()
    considered: tuple[str, ...] = field(default=())
    """Every rule that matched, most urgent first (for the audit trail and staff)."""
    by_own_plan: bool = False

    @property
    def flag_ids(self) -> tuple[str, ...]:
        """The red-flag rules that matched, by id (none for a red flag by exclusion)."""
        return tuple(f.rule.id for f in self.flags)

    @property
    def explanation(self) -> str:
        """The whole decision in plain English, as the API returns it."""
        parts = [f"{self.advice.title}.", self.reason, self.advice.advice]
        if self.open_now:
            parts.append(f"{self.service.name} is open now.")
        else:
            when = self.opens_next.strftime("%H:%M on %A") if self.opens_next else "later"
            parts.append(f"{self.service.name} is closed now and opens at {when}.")
            parts.append(self.advice.if_closed)
        parts.append(self.advice.if_worse)
        return " ".join(p for p in parts if p)


def _flags(rules: RuleSet, situation: Situation) -> tuple[FlagFound, ...]:
    found: list[FlagFound] = []
    for flag in rules.red_flags:
        terms = tuple(phrases_in(situation.text, flag.terms)) if situation.text else ()
        answered = flag.answer in situation.answers
        if answered or terms:
            found.append(FlagFound(flag.about, flag.route, answered, terms))
    return tuple(found)


def _rule_outcome(rule: Rule, situation: Situation) -> list[_Candidate]:
    """What one matched rule says: its own route, or its exclusions' and band's."""
    outcomes = [
        _Candidate(e.route, rule.about, e.explanation, e.service)
        for e in rule.exclusions
        if e.answer in situation.answers and situation.age in e.ages
    ]
    plan = situation.plan
    eligible = (
        situation.age in rule.ages
        and (rule.sex is None or rule.sex == situation.sex)
        and (not rule.needs_coordinator or (plan is not None and plan.has_coordinator))
    )
    if not eligible and rule.otherwise is not None:
        outcomes.append(
            _Candidate(rule.otherwise, rule.about, rule.outside, rule.otherwise_service)
        )
    if not outcomes:
        outcomes.append(_Candidate(rule.route, rule.about, rule.explanation, rule.service))
    return outcomes


def _own_plan(rules: RuleSet, situation: Situation) -> list[_Candidate]:
    plan = situation.plan
    if plan is None or not plan.plan_text:
        return []
    text = f" {normalise(plan.plan_text)} "
    return [
        _Candidate("own-plan", p.about, p.explanation, None)
        for p in rules.plan_escalations
        if situation.answers & p.answers and any(f" {m} " in text for m in p.markers)
    ]


def _candidates(
    rules: RuleSet, situation: Situation, flags: tuple[FlagFound, ...]
) -> list[_Candidate]:
    by_id: Mapping[str, RedFlag] = {f.about.id: f for f in rules.red_flags}
    found = [_Candidate(f.route, f.rule, by_id[f.rule.id].explanation, None) for f in flags]
    found += _own_plan(rules, situation)
    for rule in rules.rules:
        if rule.answer is not None and rule.answer in situation.answers:
            found += _rule_outcome(rule, situation)
    return sorted(found, key=lambda c: rules.urgency(c.route))  # stable: file order


def decide(
    rules: RuleSet, services: Mapping[str, Service], situation: Situation, now: datetime
) -> Decision:
    """The route for `situation` at `now`: the most urgent of every matching rule."""
    flags = _flags(rules, situation)
    candidates = _candidates(rules, situation, flags)
    fallback = rules.fallback
    chosen = (
        candidates[0]
        if candidates
        else _Candidate(fallback.route, fallback.about, fallback.explanation, fallback.service)
    )
    advice = rules.routes[chosen.route]
    reasons = [
        c.reason for c in candidates if c.route == chosen.route and c.route in _RED_FLAG_ROUTES
    ]
    zone = ZoneInfo(rules.timezone)
    service = open_in_group(services, services[chosen.service or advice.service], now, zone)
    return Decision(
        route=chosen.route,
        red_flag=chosen.route in _RED_FLAG_ROUTES,
        rule=chosen.rule,
        reason=" ".join(dict.fromkeys(reasons)) if reasons else chosen.reason,
        advice=advice,
        service=service,
        open_now=service.hours.open_at(now, zone),
        opens_next=service.hours.next_opening(now, zone),
        flags=flags,
        considered=tuple(dict.fromkeys(c.rule.id for c in candidates)),
        by_own_plan=chosen.route == "own-plan",
    )
