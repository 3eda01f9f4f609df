"""A bad rule file stops the portal starting, saying every way it is wrong; hours are honest."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from portal.domain.front_door_rules import RuleFileError
from portal.domain.routing import Situation, decide
from portal.service.front_door_rules import DEFAULT_DIRECTORY, DEFAULT_RULES, load_front_door
from portal.settings import PortalSettings

SUNDAY_8PM = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


def _rules() -> dict[str, Any]:
    return copy.deepcopy(json.loads(DEFAULT_RULES.read_text()))


def _write(tmp_path: Path, data: object, name: str = "rules.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def _problems(tmp_path: Path, data: object) -> tuple[str, ...]:
    with pytest.raises(RuleFileError) as refused:
        load_front_door(_write(tmp_path, data), DEFAULT_DIRECTORY)
    return refused.value.problems


def test_every_rule_carries_id_version_author_and_review_date() -> None:
    rules = load_front_door().rules
    everything = [
        *(f.about for f in rules.red_flags),
        *(p.about for p in rules.plan_escalations),
        *(r.about for r in (*rules.rules, rules.fallback)),
    ]
    assert all(a.id and a.version and a.author and a.review_due.year > 2000 for a in everything)


def test_a_rule_with_an_unknown_route_and_no_author_is_refused(tmp_path: Path) -> None:
    data = _rules()
    data["rules"][0]["route"] = "walk-in-centre"
    del data["rules"][1]["author"]

    problems = _problems(tmp_path, data)

    assert any("walk-in-centre" in p for p in problems)
    assert any("pf-earache" in p and "author" in p for p in problems)


def test_a_bad_review_date_and_an_exclusion_on_no_question_are_refused(tmp_path: Path) -> None:
    data = _rules()
    data["redFlags"][0]["reviewDue"] = "next year"
    data["rules"][0]["exclusions"][0]["answer"] = "no-such-question"

    problems = _problems(tmp_path, data)

    assert any("reviewDue" in p for p in problems)
    assert any("no-such-question" in p for p in problems)


def test_an_inverted_age_band_and_a_band_with_no_otherwise_route_are_refused(
    tmp_path: Path,
) -> None:
    data = _rules()
    uti = next(r for r in data["rules"] if r["id"] == "pf-uti")
    uti["ageMin"], uti["ageMax"] = 65, 16
    sinusitis = next(r for r in data["rules"] if r["id"] == "pf-sinusitis")
    del sinusitis["otherwise"]

    problems = _problems(tmp_path, data)

    assert "rule pf-uti: ageMin is above ageMax" in problems
    assert "rule pf-sinusitis has an age or sex band but no 'otherwise' route" in problems


def test_a_red_flag_question_without_its_rule_is_refused(tmp_path: Path) -> None:
    data = _rules()
    data["redFlags"] = [f for f in data["redFlags"] if f["answer"] != "chest-pain"]

    assert any("chest-pain has no red flag rule" in p for p in _problems(tmp_path, data))


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "{ not json") == (
        "rules.json cannot be read as JSON (JSONDecodeError)",
    )


def test_the_portal_refuses_to_start_with_a_bad_rule_file(tmp_path: Path) -> None:
    data = _rules()
    data["routeOrder"] = ["999"]
    path = _write(tmp_path, data)

    with pytest.raises(ValidationError, match="routeOrder must list every route"):
        PortalSettings(front_door_rules=path)


def test_a_closed_service_says_when_it_opens_and_what_to_do_meanwhile() -> None:
    front_door = load_front_door()
    situation = Situation(30, "female", frozenset({"other-problem"}))

    decision = decide(front_door.rules, front_door.services, situation, SUNDAY_8PM)

    assert (decision.route, decision.open_now) == ("gp", False)
    assert decision.opens_next is not None
    assert decision.opens_next.strftime("%a %H:%M") == "Mon 08:00"
    assert "closed now and opens at 08:00 on Monday" in decision.explanation
    assert "111" in decision.explanation


def test_999_is_always_open() -> None:
    front_door = load_front_door()
    situation = Situation(30, "female", frozenset({"chest-pain"}))

    decision = decide(front_door.rules, front_door.services, situation, SUNDAY_8PM)

    assert decision.open_now
    assert decision.opens_next is None
