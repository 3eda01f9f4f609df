"""`$complete`: an action is done, once; a done action no longer escalates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from carecoord_shared.fhir.outcome import FhirError
from mdt.operations import complete
from services.mdt.tests.builders import PRACTICE_A, action
from services.mdt.tests.conftest import Mdt, business_status, practice_action
from services.mdt.tests.units import a_listed_case, discussed, invoke, staff


async def test_an_action_is_completed_once(mdt: Mdt) -> None:
    action_id = await practice_action(mdt)
    done = await mdt.invoke(f"Task/{action_id}/$complete")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert business_status(done.json()) == "completed"
    again = await mdt.invoke(f"Task/{action_id}/$complete")
    assert again.status_code == 409
    await mdt.execute("update mdt_action set due_on = current_date - 1 where id = :a", a=action_id)
    assert await mdt.escalate() == 0


async def test_a_case_is_not_an_action(mdt: Mdt) -> None:
    team = await mdt.team()
    case_id = (await mdt.nominate(team, await mdt.patient())).json()["id"]
    response = await mdt.invoke(f"Task/{case_id}/$complete")
    assert response.status_code == 422


async def test_unit_anyone_related_completes_an_action_once() -> None:
    listed = await a_listed_case()
    item = action("Home visit", "role", date.today() + timedelta(days=7), display="Nurse")
    [action_id] = await discussed(listed, item)
    tx = listed.tx
    tx.principal = staff("sds-practice-gp", organisation=PRACTICE_A)  # via the practice's grant
    done = await invoke(complete.OPERATION, tx, action_id)
    assert isinstance(done.body, dict)
    assert business_status(done.body) == "completed"
    assert listed.store.actions.rows[action_id].state == "completed"
    with pytest.raises(FhirError) as twice:
        await invoke(complete.OPERATION, tx, action_id)
    assert twice.value.status == 409
