"""The board's order and filter, and the quorum rules, on plain values (no services)."""

from __future__ import annotations

from datetime import date

from portal.service.bff.mdt_actions import action_view
from portal.service.bff.mdt_board import BoardAction, BoardFilter, board_order
from portal.service.bff.mdt_quorum import case_gaps, discipline_of, missing_core
from portal.service.bff.mdt_shapes import CaseView, Member

TODAY = date(2026, 11, 30)


def _action(state: str, due: str, owner: str = "GP practice A81001") -> BoardAction:
    task = {
        "id": f"{state}-{due}",
        "businessStatus": {"coding": [{"code": state}]},
        "restriction": {"period": {"end": due}},
    }
    return BoardAction(action_view(task, TODAY), owner, "North MDT")


def test_overdue_first_then_by_due_date_completed_last() -> None:
    late = _action("assigned", "2026-11-20")  # past due, never acknowledged
    escalated = _action("overdue", "2026-11-25")
    soon, later = _action("acknowledged", "2026-12-02"), _action("assigned", "2026-12-20")
    done = _action("completed", "2026-11-01")

    ordered = board_order([later, done, soon, escalated, late])

    assert ordered == [late, escalated, soon, later, done]
    assert [a for a in ordered if BoardFilter("overdue").keeps(a)] == [late, escalated]
    assert done not in [a for a in ordered if BoardFilter().keeps(a)], "open by default"
    assert [a for a in ordered if BoardFilter("completed").keeps(a)] == [done]
    nurse = _action("assigned", "2026-12-01", owner="Community nurse")
    assert [a.owner for a in (nurse, soon) if BoardFilter("all", "Community nurse").keeps(a)] == [
        "Community nurse"
    ]


def _member(title: str) -> Member:
    return Member(title, title, "core", False)


def _case(question: str, *reasons: str) -> CaseView:
    return CaseView("c", "1", "9000000009", "Routine", "listed", question, "for-discussion",
                    reasons, {}, (), True)  # fmt: skip


def test_roles_name_their_discipline_and_a_full_core_is_quorate() -> None:
    titles = ["GP", "District nurse", "Community psychiatric nurse", "Social worker",
              "Practice pharmacist", "Voluntary sector link worker", "Fire officer"]  # fmt: skip
    assert [discipline_of(t) for t in titles] == [
        "gp", "community-nurse", "mental-health", "social-care", "pharmacist", "link-worker", "",
    ]  # fmt: skip
    assert missing_core(_member(t) for t in titles) == []
    assert missing_core([_member("GP")])[0] == "community nurse"
    assert discipline_of("Social prescribing link worker") == "link-worker"


def test_a_case_needs_the_disciplines_its_words_call_for() -> None:
    present = [_member("GP"), _member("District nurse")]
    case = _case("Polypharmacy review?", "Carer strain", "Low mood, possible dementia")
    assert case_gaps(case, present) == [
        "mental health professional", "social care professional", "pharmacist",
    ]  # fmt: skip
    assert case_gaps(_case("Pressure sore?"), present) == []
    assert case_gaps(_case("Pressure sore?"), [_member("District nurse")]) == ["GP"]
