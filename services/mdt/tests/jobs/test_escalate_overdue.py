"""The escalation job: each overdue action once; an acknowledged one not at all."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from carecoord_shared.service import JobCall
from carecoord_shared.testing import InMemoryInteractions
from mdt.jobs import escalate_overdue
from mdt.service.context import MdtContext
from services.mdt.tests.builders import PRACTICE_A, action
from services.mdt.tests.conftest import Mdt, business_status, practice_action
from services.mdt.tests.units import WORKER, a_listed_case, discussed, fake_context


async def test_unacknowledged_overdue_action_escalates_once(mdt: Mdt) -> None:
    action_id = await practice_action(mdt)
    await mdt.execute("update mdt_action set due_on = current_date - 1 where id = :a", a=action_id)
    assert await mdt.escalate() >= 1
    assert await mdt.escalate() == 0
    task = (await mdt.get(f"Task/{action_id}")).json()
    assert business_status(task) == "overdue"
    overdue = await mdt.scalar(
        "select count(*) from outbox where type = 'carecoord.mdt.action-overdue.v1'"
        " and convert_from(payload, 'UTF8')::jsonb ->> 'action' = :a",
        a=f"Task/{action_id}",
    )
    assert overdue == 1


async def test_acknowledged_action_is_not_escalated(mdt: Mdt) -> None:
    action_id = await practice_action(mdt)
    await mdt.invoke(f"Task/{action_id}/$acknowledge")
    await mdt.execute("update mdt_action set due_on = current_date - 1 where id = :a", a=action_id)
    await mdt.escalate()
    assert await mdt.scalar("select overdue_at from mdt_action where id = :a", a=action_id) is None


# Unit tests on the in-memory unit of work (tests/fakes.py).


async def test_unit_each_overdue_action_escalates_once_with_its_event() -> None:
    listed = await a_listed_case()
    tx, store, due = listed.tx, listed.store, date.today()
    await discussed(
        listed,
        action("Review medication", "organisation", due, practice=PRACTICE_A),
        action("Visit", "role", due, display="Community nurse"),
    )
    tomorrow = fake_context()
    tomorrow = MdtContext(tomorrow.settings, lambda: datetime.now(UTC) + timedelta(days=1))
    call = JobCall(InMemoryInteractions(tx), tomorrow, WORKER)  # type: ignore[arg-type]
    assert await escalate_overdue.JOB.run(call) == 2
    assert await escalate_overdue.JOB.run(call) == 0
    overdue = [e for e in tx.fake_outbox.events if e.type.endswith("action-overdue.v1")]
    assert sorted(
        e.data["owner"]["display"] or e.data["owner"]["organisation"] for e in overdue
    ) == [
        PRACTICE_A,
        "Community nurse",
    ]
    for action_id in store.actions.rows:
        assert business_status((await tx.read("Task", action_id)).as_json()) == "overdue"


def test_unit_the_interval_is_a_setting() -> None:
    assert escalate_overdue.JOB.interval_s(fake_context(overdue_check_seconds=7).settings) == 7
