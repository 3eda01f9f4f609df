"""`Cases`: the fake and PostgreSQL agree on open cases, the queue and its changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from mdt.domain.cases import Case
from mdt.domain.teams import Meeting
from services.mdt.tests.store.conftest import Store

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
NHS = "9990000018"


def case(case_id: str, patient: str = NHS, **values: Any) -> Case:
    base = Case(case_id, "t1", patient, None, "listed", True, "routine", 10.0, True, T0, (), ())
    return Case(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **values})


async def test_a_case_is_stored_found_and_changed(store: Store) -> None:
    source = {"kind": "nomination", "reason": "falls", "at": "2030-01-01T00:00:00Z"}
    listed = case("c1", nominators=("sds-gp",), sources=(source,))
    await store.cases.add(listed)
    assert await store.cases.get("c1") == listed
    assert await store.cases.open_case("t1", NHS) == listed
    assert await store.cases.open_case("t2", NHS) is None
    await store.cases.update("c1", urgency="urgent", nominators=("sds-gp", "sds-nurse"))
    changed = await store.cases.get("c1", lock=True)
    assert changed == case(
        "c1", urgency="urgent", nominators=("sds-gp", "sds-nurse"), sources=(source,)
    )
    await store.cases.update("c1", state="discussed", open=False)
    assert await store.cases.open_case("t1", NHS) is None
    await store.cases.add(case("c2"))  # a closed case does not block a new one
    assert await store.cases.open_patients("t1") == [NHS]
    with pytest.raises(ValueError, match="no field"):
        await store.cases.update("c2", colour="red")


async def test_the_queue_of_a_meeting(store: Store) -> None:
    for meeting_id, days in (("earlier", -30), ("this", 0), ("later", 30)):
        await store.meetings.add(
            Meeting(meeting_id, "t1", T0 + timedelta(days=days), 90, 3.2, None, "booked")
        )
    patients = [f"999000{n:04d}" for n in range(7)]
    await store.cases.add(case("a-unassigned", patients[0]))
    await store.cases.add(case("b-this", patients[1], meeting_id="this"))
    await store.cases.add(case("c-earlier", patients[2], meeting_id="earlier", state="deferred"))
    await store.cases.add(case("d-later", patients[3], meeting_id="later"))
    await store.cases.add(case("e-closed", patients[4], open=False, state="discussed"))
    await store.cases.add(case("f-other-team", patients[5], mdt_id="t2"))
    waiting = await store.cases.waiting_for("t1", "this", T0)
    assert [c.id for c in waiting] == ["a-unassigned", "b-this", "c-earlier"]


async def test_a_new_risk_reorders_only_open_cases(store: Store) -> None:
    await store.cases.add(case("c1", open=False, state="discussed"))
    await store.cases.add(case("c2", mdt_id="t2"))
    await store.cases.refresh_risk(NHS, 80.0)
    assert [(await store.cases.get(c)).risk for c in ("c1", "c2")] == [10.0, 80.0]  # type: ignore[union-attr]


async def test_a_second_open_case_for_the_patient_is_refused(store: Store) -> None:
    await store.cases.add(case("c1"))
    with pytest.raises(IntegrityError):
        await store.cases.add(case("c2"))
