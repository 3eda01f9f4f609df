"""`$acknowledge`: only the owning practice, once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.testing import InMemoryTransaction
from mdt.operations import acknowledge
from services.mdt.tests.builders import CHAIR, PRACTICE_A, PRACTICE_B, action
from services.mdt.tests.conftest import Mdt, business_status, practice_action
from services.mdt.tests.units import a_listed_case, discussed, invoke, staff


async def test_practice_acknowledges_its_action_and_no_one_else_can(mdt: Mdt) -> None:
    action_id = await practice_action(mdt)
    other = await mdt.invoke(f"Task/{action_id}/$acknowledge", organisation=PRACTICE_B)
    assert other.status_code == 403, other.text
    acknowledged = await mdt.invoke(f"Task/{action_id}/$acknowledge")
    assert acknowledged.status_code == 200, acknowledged.text
    assert business_status(acknowledged.json()) == "acknowledged"
    twice = await mdt.invoke(f"Task/{action_id}/$acknowledge")
    assert twice.status_code == 409


async def an_action_on_fakes(**owner: Any) -> tuple[InMemoryTransaction, str]:
    listed = await a_listed_case()
    kind = "organisation" if "practice" in owner else "role"
    due = date.today() + timedelta(days=7)
    [action_id] = await discussed(listed, action("Review medication", kind, due, **owner))
    return listed.tx, action_id


async def test_unit_only_the_owning_practice_acknowledges_once() -> None:
    tx, action_id = await an_action_on_fakes(practice=PRACTICE_A)
    tx.principal = staff(CHAIR, organisation=PRACTICE_B)
    with pytest.raises(FhirError) as other:
        await invoke(acknowledge.OPERATION, tx, action_id)
    assert other.value.status == 403
    tx.principal = staff("sds-practice-gp", organisation=PRACTICE_A)
    done = await invoke(acknowledge.OPERATION, tx, action_id)
    assert isinstance(done.body, dict)
    assert (done.body["status"], business_status(done.body)) == ("accepted", "acknowledged")
    with pytest.raises(FhirError) as twice:
        await invoke(acknowledge.OPERATION, tx, action_id)
    assert twice.value.status == 409


async def test_unit_an_action_for_a_role_needs_no_acknowledgement() -> None:
    tx, action_id = await an_action_on_fakes(display="Community nurse")
    with pytest.raises(FhirError) as refused:
        await invoke(acknowledge.OPERATION, tx, action_id)
    assert refused.value.status == 422
