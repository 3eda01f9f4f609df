"""`$prepare`: recent activity attached, the checklist recorded, the list flag refreshed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carecoord_shared.fhir.outcome import FhirError
from mdt.operations import prepare
from services.mdt.tests.builders import NURSE, OUTSIDER, parameters
from services.mdt.tests.conftest import Mdt, business_status
from services.mdt.tests.units import a_listed_case, invoke, staff


async def test_cases_not_ready_are_flagged_until_prepared(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    (meeting,) = await mdt.meetings(mdt_id, count=1)
    nhs = await mdt.patient()
    case_id = (await mdt.nominate(mdt_id, nhs)).json()["id"]
    assembled = await mdt.assemble(meeting)
    flags = [e["flag"]["coding"][0]["code"] for e in assembled.json()["entry"]]
    assert flags == ["not-ready"]
    await mdt.execute(
        "update mdt_patient set review_due_on = current_date + 180 where patient_nhs = :n", n=nhs
    )
    await mdt.execute(
        "insert into mdt_activity values ('ServiceRequest/sr-1', :n, 'referral', now())", n=nhs
    )
    prepared = await mdt.post(f"Task/{case_id}/$prepare", parameters())
    assert prepared.status_code == 200, prepared.text
    task = prepared.json()
    assert business_status(task) == "prepared"
    attached = [i["valueReference"]["reference"] for i in task["input"] if "valueReference" in i]
    assert "ServiceRequest/sr-1" in attached
    again = await mdt.assemble(meeting)
    assert [e["flag"]["coding"][0]["code"] for e in again.json()["entry"]] == ["ready"]
    assert again.json()["id"] == assembled.json()["id"]


async def test_unit_preparing_attaches_activity_and_records_the_checklist() -> None:
    listed = await a_listed_case()
    tx, store, nhs, case_id, context = (
        listed.tx,
        listed.store,
        listed.nhs,
        listed.case,
        listed.context,
    )
    now = context.now()
    await store.patients.record_activity(
        "ServiceRequest/old", nhs, "referral", now - timedelta(200)
    )
    await store.patients.record_activity("ServiceRequest/new", nhs, "referral", now)
    tx.principal = staff(NURSE)
    unready = await invoke(prepare.OPERATION, tx, case_id, context=context)
    assert isinstance(unready.body, dict)
    checklist = {
        i["type"]["text"]: i["valueBoolean"]
        for i in unready.body["input"]
        if i["type"]["text"].startswith("checklist:")
    }
    assert checklist == {
        "checklist:question-stated": True,
        "checklist:care-plan-current": False,  # no review date known yet
        "checklist:recent-activity-attached": True,
    }
    assert business_status(unready.body) == "listed"
    await store.patients.update(nhs, review_due_on=(now + timedelta(days=90)).date())
    question = ("question", "valueString", "Intermediate care?")
    ready = await invoke(prepare.OPERATION, tx, case_id, question, context=context)
    assert isinstance(ready.body, dict)
    assert business_status(ready.body) == "prepared"
    attached = [
        i["valueReference"]["reference"] for i in ready.body["input"] if "valueReference" in i
    ]
    assert attached.count("ServiceRequest/new") == 1
    assert "ServiceRequest/old" not in attached
    assert store.cases.rows[case_id].state == "prepared"


async def test_unit_only_members_prepare() -> None:
    listed = await a_listed_case()
    tx, case_id = listed.tx, listed.case
    tx.principal = staff(OUTSIDER)
    await tx.grants.grant(listed.nhs, "user", OUTSIDER, "care-team")
    with pytest.raises(FhirError) as refused:
        await invoke(prepare.OPERATION, tx, case_id)
    assert refused.value.status == 403
