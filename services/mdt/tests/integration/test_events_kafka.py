"""Auto-listing from real events through real Kafka, and MDT events reaching the topic.

The real mdt worker (outbox relay, consumers, escalation job) runs against the real
broker with topic names unique to each test, so runs never read each other's events.
Events are produced the way the referrals and care plans relays produce them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import orjson
import pytest

from carecoord_devstack.testing import (
    Records,
    create_fresh_database,
    drop_topic,
    eventually,
    new_nhs_number,
    publish,
    read_records,
)
from carecoord_shared.security.dev_issuer import DevIssuer
from mdt.worker import build_worker
from services.mdt.tests.builders import ODS, PRACTICE_A, an_event, parameters
from services.mdt.tests.conftest import Mdt, mdt_settings, running_mdt


@pytest.fixture
async def live(issuer: DevIssuer, kafka_bootstrap: str) -> AsyncIterator[Mdt]:
    run = uuid.uuid4().hex[:8]
    settings = mdt_settings(
        issuer,
        await create_fresh_database("mdt"),
        kafka_bootstrap,
        topic=f"test.mdt.{run}",
        referrals_topic=f"test.referrals.{run}",
        care_plans_topic=f"test.careplans.{run}",
        overdue_check_seconds=0.5,
    )
    worker = build_worker(settings)
    async with running_mdt(issuer, settings) as live:
        task = asyncio.create_task(worker.run())
        try:
            await asyncio.wait_for(worker.started.wait(), 60)
            yield live
        finally:
            worker.stopping.set()
            await task
            for topic in (settings.topic, settings.referrals_topic, settings.care_plans_topic):
                await drop_topic(kafka_bootstrap, topic)


async def registered(live: Mdt, bootstrap: str, nhs: str) -> None:
    await publish(
        bootstrap,
        live.settings.care_plans_topic,
        an_event("patient.registered", nhs, patient="Patient/p1", practice=PRACTICE_A),
    )
    await eventually(
        lambda: live.scalar("select practice from mdt_patient where patient_nhs = :n", n=nhs)
    )


async def test_rules_list_patients_from_events_and_redelivery_changes_nothing(
    live: Mdt, kafka_bootstrap: str
) -> None:
    mdt_id = await live.team()
    nhs, frail = new_nhs_number(), new_nhs_number()
    for patient in (nhs, frail):
        await registered(live, kafka_bootstrap, patient)
    triaged = an_event(
        "referral.triaged",
        nhs,
        serviceRequest="ServiceRequest/1",
        outcome="accepted",
        mdtDiscussionRequested=True,
    )
    frailty = ["frailty"]
    cohort = an_event(
        "patient.cohort-changed", frail, cohorts=frailty, entered=frailty, left=[], riskScore=72.5
    )
    await publish(kafka_bootstrap, live.settings.referrals_topic, triaged)
    await publish(kafka_bootstrap, live.settings.care_plans_topic, cohort)

    async def listed(patient: str) -> Any:
        return await live.scalar("select sources from mdt_case where patient_nhs = :n", n=patient)

    sources = await eventually(lambda: listed(nhs))
    assert sources[0]["kind"] == "triage-requested-mdt"
    assert sources[0]["event_id"] == triaged.id
    frail_sources = await eventually(lambda: listed(frail))
    assert frail_sources[0]["kind"] == "cohort-entered"
    assert await live.scalar("select risk from mdt_case where patient_nhs = :n", n=frail) == 72.5
    versions = await live.scalar("select count(*) from resource_version")
    await publish(kafka_bootstrap, live.settings.referrals_topic, triaged)  # redelivered
    marker = new_nhs_number()
    await registered(live, kafka_bootstrap, marker)  # processed after the redelivery
    await publish(
        kafka_bootstrap,
        live.settings.referrals_topic,
        an_event("referral.triaged", marker, outcome="accepted", mdtDiscussionRequested=True),
    )
    await eventually(lambda: listed(marker))
    assert await live.scalar("select count(*) from mdt_case where patient_nhs = :n", n=nhs) == 1
    assert len(await listed(nhs)) == 1
    # Only the marker's new case was written since.
    assert await live.scalar("select count(*) from resource_version") == versions + 1
    assert mdt_id


async def test_repeated_advice_requests_and_avoided_conveyance_list_the_patient(
    live: Mdt, kafka_bootstrap: str
) -> None:
    await live.team()
    nhs, caller = new_nhs_number(), new_nhs_number()
    await registered(live, kafka_bootstrap, nhs)
    requests = [
        an_event(
            "referral.submitted",
            nhs,
            serviceRequest=f"ServiceRequest/ag{i}",
            ubrn=f"a.{i}",
            category=["advice-and-guidance"],
            status="active",
        )
        for i in range(3)
    ]
    await publish(kafka_bootstrap, live.settings.referrals_topic, *requests[:2])
    call = an_event(
        "advice-call.recorded",
        caller,
        communication="Communication/c1",
        outcome="not-conveyed",
        followUpNeeded=True,
        locality="north",
    )
    await publish(kafka_bootstrap, live.settings.referrals_topic, call)
    sources = await eventually(
        lambda: live.scalar("select sources from mdt_case where patient_nhs = :n", n=caller)
    )
    assert sources[0]["kind"] == "conveyance-avoided-follow-up"
    assert await live.scalar("select count(*) from mdt_case where patient_nhs = :n", n=nhs) == 0
    await publish(kafka_bootstrap, live.settings.referrals_topic, requests[2])
    sources = await eventually(
        lambda: live.scalar("select sources from mdt_case where patient_nhs = :n", n=nhs)
    )
    assert sources[0]["kind"] == "repeated-advice-requests"
    assert sources[0]["event_id"] == requests[2].id


async def published(bootstrap: str, topic: str, event_type: str, expected: int) -> list[Any]:
    def typed(records: Records) -> list[Any]:
        return [r for r in records if dict(r.headers)["ce_type"].decode() == event_type]

    return typed(await read_records(bootstrap, topic, lambda found: len(typed(found)) >= expected))


def an_action(description: str, due: str, **owner: Any) -> dict[str, Any]:
    part: list[dict[str, Any]] = [
        {"name": "description", "valueString": description},
        {"name": "dueOn", "valueDate": due},
    ]
    if "practice" in owner:
        part.append({"name": "ownerKind", "valueCode": "organisation"})
        identifier = {"system": ODS, "value": owner["practice"]}
        part.append({"name": "ownerOrganisation", "valueIdentifier": identifier})
    else:
        part.append({"name": "ownerKind", "valueCode": "role"})
        part.append({"name": "ownerDisplay", "valueString": owner["role"]})
    return {"name": "action", "part": part}


async def held_meeting(live: Mdt, mdt_id: str, meeting: str, patients: list[str]) -> list[str]:
    """The patients nominated, listed, prepared and the meeting held; their case ids."""
    cases = [(await live.nominate(mdt_id, nhs)).json()["id"] for nhs in patients]
    await live.execute("update mdt_patient set review_due_on = current_date + 90")
    case_list = await live.assemble(meeting)
    assert len(case_list.json()["entry"]) == 3
    for case_id in cases:
        prepared = await live.post(f"Task/{case_id}/$prepare", parameters())
        assert prepared.status_code == 200, prepared.text
    ready = await live.assemble(meeting)
    assert {e["flag"]["coding"][0]["code"] for e in ready.json()["entry"]} == {"ready"}
    attendance = parameters(
        ("attendee", "valueString", "sds-chair-1"), ("attendee", "valueString", "sds-nurse-1")
    )
    held = await live.post(f"Appointment/{meeting}/$record-attendance", attendance)
    assert held.status_code == 201
    assert len(held.json()["participant"]) == 2
    return cases


async def test_whole_meeting_through_the_api(live: Mdt, kafka_bootstrap: str) -> None:
    mdt_id = await live.team()
    first, second = await live.meetings(mdt_id, count=2)
    patients = [await live.patient() for _ in range(3)]
    cases = await held_meeting(live, mdt_id, first, patients)
    due = (date.today() + timedelta(days=7)).isoformat()
    discussed = parameters(
        ("status", "valueCode", "discussed"),
        ("summary", "valueString", "Plan agreed"),
        ("decision", "valueString", "Start falls pathway"),
        ("minutesSpent", "valueDecimal", 3.5),
    )
    discussed["parameter"] += [
        an_action("Review medication", due, practice=PRACTICE_A),
        an_action("Home visit", due, role="Community nurse"),
    ]
    outcomes = [
        (cases[0], discussed),
        (cases[1], parameters(("status", "valueCode", "deferred"))),
        (cases[2], parameters(("status", "valueCode", "not-discussed"))),
    ]
    for case_id, body in outcomes:
        response = await live.post(f"Task/{case_id}/$record-outcome", body)
        assert response.status_code == 200, response.text

    assigned = "carecoord.mdt.action-assigned.v1"
    records = await published(kafka_bootstrap, live.settings.topic, assigned, 2)
    data = [orjson.loads(r.value) for r in records]
    assert {d["case"] for d in data} == {f"Task/{cases[0]}"}
    assert {d["description"] for d in data} == {"Review medication", "Home visit"}
    assert {r.key for r in records} == {patients[0].encode()}
    next_list = await live.assemble(second)
    moved = {e["item"]["reference"] for e in next_list.json()["entry"]}
    assert moved == {f"Task/{cases[1]}", f"Task/{cases[2]}"}

    # The worker's escalation job finds the practice's action once it is overdue.
    await live.execute(
        "update mdt_action set due_on = current_date - 1 where owner_organisation is not null"
    )
    overdue = await published(
        kafka_bootstrap, live.settings.topic, "carecoord.mdt.action-overdue.v1", 1
    )
    assert orjson.loads(overdue[0].value)["owner"]["organisation"] == PRACTICE_A

    # The practice acknowledges its action, the nurse's is done: each announced with the
    # case's MDT and meeting (references only), keyed by the patient.
    ids = {d["description"]: d["action"] for d in data}
    acknowledged = await live.invoke(f"{ids['Review medication']}/$acknowledge")
    assert acknowledged.status_code == 200, acknowledged.text
    assert (await live.invoke(f"{ids['Home visit']}/$complete")).status_code == 200
    for event_type, action, practice in (
        ("carecoord.mdt.action-acknowledged.v1", ids["Review medication"], PRACTICE_A),
        ("carecoord.mdt.action-completed.v1", ids["Home visit"], None),
    ):
        (record,) = await published(kafka_bootstrap, live.settings.topic, event_type, 1)
        settled = orjson.loads(record.value)
        assert record.key == patients[0].encode()
        assert settled["owner"]["organisation"] == practice
        assert {k: v for k, v in settled.items() if k != "owner"} == {
            "action": action,
            "case": f"Task/{cases[0]}",
            "mdt": f"CareTeam/{mdt_id}",
            "meeting": f"Appointment/{first}",
            "nhsNumber": patients[0],
        }


async def test_each_assembly_announces_the_list_keyed_by_its_meeting(
    live: Mdt, kafka_bootstrap: str
) -> None:
    mdt_id = await live.team()
    meeting, later = await live.meetings(mdt_id, count=2, minutesPerCase=("valueDecimal", 45))
    cases = [(await live.nominate(mdt_id, await live.patient())).json()["id"] for _ in "123"]
    case_list = await live.assemble(meeting)
    assert case_list.status_code == 200, case_list.text

    kind = "carecoord.mdt.case-list-assembled.v1"
    (record,) = await published(kafka_bootstrap, live.settings.topic, kind, 1)
    data = orjson.loads(record.value)
    assert record.key == f"Appointment/{meeting}".encode()
    assert data["list"] == f"List/{case_list.json()['id']}"
    assert (data["mdt"], data["meeting"]) == (f"CareTeam/{mdt_id}", f"Appointment/{meeting}")
    assert data["cases"] == [e["item"]["reference"] for e in case_list.json()["entry"]]
    assert len(data["cases"]) == 2
    assert set(data["notReady"]) == set(data["cases"])  # no care plan review date known
    assert data["overflow"] == [f"Task/{c}" for c in cases if f"Task/{c}" not in data["cases"]]
    assert data["overflowMeeting"] == f"Appointment/{later}"
    assert "nhsNumber" not in data  # no patient: nothing but references
