"""`Actions`: the fake and PostgreSQL agree on what is overdue, and on each change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from mdt.domain.cases import AssignedAction, Case
from services.mdt.tests.store.conftest import Store

TODAY = date(2030, 3, 1)


def action(action_id: str, days_late: int = 1, **values: Any) -> AssignedAction:
    base: dict[str, Any] = {
        "id": action_id,
        "case_id": "c1",
        "patient_nhs": "9990000018",
        "owner_kind": "organisation",
        "owner_reference": None,
        "owner_display": None,
        "owner_organisation": "A81001",
        "description": "Review medication",
        "due_on": TODAY - timedelta(days=days_late),
        "needs_acknowledgement": True,
        "state": "assigned",
    }
    return AssignedAction(**(base | values))


async def test_an_action_is_stored_and_changed(store: Store) -> None:
    await store.actions.add(action("a1"))
    assert await store.actions.get("a1") == action("a1")
    assert await store.actions.get("nope") is None
    await store.actions.set_state("a1", "acknowledged")
    at = datetime(2030, 3, 1, 10, tzinfo=UTC)
    await store.actions.escalated("a1", at)
    assert await store.actions.get("a1", lock=True) == action(
        "a1", state="acknowledged", overdue_at=at
    )


async def test_overdue_is_late_not_escalated_and_neither_done_nor_acknowledged(
    store: Store,
) -> None:
    for found in (
        action("late-2", 2),
        action("late-5", 5),
        action("due-today", 0),
        action("acknowledged", 3, state="acknowledged"),
        action("no-ack-needed", 3, state="acknowledged", needs_acknowledgement=False),
        action("done", 4, state="completed"),
        action("escalated", 6, overdue_at=datetime(2030, 2, 1, tzinfo=UTC)),
    ):
        await store.actions.add(found)
    overdue = await store.actions.overdue(TODAY)
    assert [a.id for a in overdue] == ["late-5", "no-ack-needed", "late-2"]
    assert [a.id for a in await store.actions.overdue(TODAY, limit=1)] == ["late-5"]


async def test_a_team_tallies_its_actions_and_lists_the_late_ones(store: Store) -> None:
    listed_at = datetime(2030, 1, 1, tzinfo=UTC)
    for case_id, mdt_id in (("c1", "t1"), ("c2", "t1"), ("c3", "t2")):
        discussed = (case_id, mdt_id, "9990000018", "m1", "discussed", False, "routine", 0.0)
        await store.cases.add(Case(*discussed, True, listed_at, (), ()))
    for found in (
        action("late-2", 2),
        action("late-5", 5, case_id="c2"),
        action("due-today", 0),
        action("acknowledged", 3, state="acknowledged"),
        action("no-ack-needed", 3, state="acknowledged", needs_acknowledgement=False),
        action("done", 4, state="completed"),
        action("escalated", 6, overdue_at=datetime(2030, 2, 1, tzinfo=UTC)),
        action("other-team", 9, case_id="c3"),
    ):
        await store.actions.add(found)
    assert await store.actions.tally("t1", TODAY) == {
        "assigned": (4, 3),
        "acknowledged": (2, 1),
        "completed": (1, 0),
    }
    assert await store.actions.tally("t3", TODAY) == {}
    late = await store.actions.late("t1", TODAY)
    assert [a.id for a in late] == ["escalated", "late-5", "no-ack-needed", "late-2"]
    assert [a.id for a in await store.actions.late("t1", TODAY, limit=1)] == ["escalated"]
