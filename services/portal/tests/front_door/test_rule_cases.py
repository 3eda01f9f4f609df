"""The rule-case table, and every free-text phrase of the rule file, on the pure evaluator.

A failing case names the patient it would have sent to the wrong place. The last test
logs the route distribution over the table (the issue's note asks for it).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime

import pytest

from portal.domain.front_door_rules import Sex
from portal.domain.routing import PlanContext, Situation, decide
from portal.service.front_door_rules import FrontDoorRules, load_front_door
from services.portal.tests.front_door.rule_cases import CASES, Case

WEDNESDAY_10AM = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
PLANS = {
    "copd": PlanContext("COPD self-management: start your rescue pack if breathless", True),
    "crisis": PlanContext("Mental health crisis plan agreed with Sam", True),
    "coordinator": PlanContext("Diabetes care plan", True),
}
_SEXES: dict[str, Sex] = {"female": "female", "male": "male", "other": "other"}


@pytest.fixture(scope="module")
def front_door() -> FrontDoorRules:
    return load_front_door()


def _situation(case: Case) -> Situation:
    plan = PLANS[case.plan] if case.plan else None
    return Situation(case.age, _SEXES[case.sex], frozenset(case.answers), case.text, plan)


def test_the_table_has_at_least_150_cases() -> None:
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_case_routes_as_a_clinician_expects(front_door: FrontDoorRules, case: Case) -> None:
    decision = decide(front_door.rules, front_door.services, _situation(case), WEDNESDAY_10AM)

    assert decision.route == case.route, decision.considered
    assert decision.red_flag == (case.route in ("999", "crisis"))
    assert decision.explanation
    assert decision.rule.id
    assert decision.rule.version


def _every_phrase() -> list[tuple[str, str, str]]:
    rules = load_front_door().rules
    return [(f.about.id, f.route, term) for f in rules.red_flags for term in sorted(f.terms)]


@pytest.mark.parametrize(("flag", "route", "phrase"), _every_phrase())
def test_every_red_flag_phrase_is_caught_inside_a_sentence(
    front_door: FrontDoorRules, flag: str, route: str, phrase: str
) -> None:
    text = f"Since yesterday, {phrase.upper()}, and it is getting worse."
    situation = Situation(50, "female", frozenset({"sore-throat"}), text)

    decision = decide(front_door.rules, front_door.services, situation, WEDNESDAY_10AM)

    assert decision.red_flag
    assert flag in {f.rule.id for f in decision.flags}
    assert decision.route == route


def test_route_distribution_over_the_table(
    front_door: FrontDoorRules, caplog: pytest.LogCaptureFixture
) -> None:
    """Routes per destination over the table, and the services each went to (printed
    with -s, logged otherwise; the issue's note quotes it)."""
    decisions = [
        decide(front_door.rules, front_door.services, _situation(c), WEDNESDAY_10AM) for c in CASES
    ]
    routes = Counter(d.route for d in decisions)
    services = Counter(f"{d.route} -> {d.service.key}" for d in decisions)
    flagged = sum(d.red_flag for d in decisions)
    lines = [f"route distribution over {len(CASES)} rule cases ({flagged} red flags):"]
    lines += [f"  {route:<14}{count:>4}" for route, count in sorted(routes.items())]
    lines += ["by service:"] + [f"  {k:<40}{n:>4}" for k, n in sorted(services.items())]
    logging.getLogger("front_door.rule_cases").warning("\n".join(lines))
    print("\n".join(lines))
    assert sum(routes.values()) == len(CASES)
    assert set(routes) == {
        "999",
        "crisis",
        "111",
        "pharmacy",
        "self-referral",
        "gp",
        "coordinator",
        "own-plan",
    }
