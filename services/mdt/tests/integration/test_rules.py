"""The auto-listing handlers applied directly (the Kafka path is in test_events_kafka).

Each handler runs in one transaction as the consumer runs it; these tests prove the
rules' conditions, their switches, the dedupe on the listing event's id, and that
everything this service publishes matches its own JSON Schemas.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from carecoord_shared.events import Event, RejectEvent, SchemaCatalogue
from mdt.events import EVENT_SCHEMAS
from mdt.events.incoming import Rules
from mdt.settings import MdtSettings
from mdt.worker import escalate_once
from services.mdt.tests.conftest import Mdt, an_event, parameters


async def apply(mdt: Mdt, handler: str, event: Event, settings: MdtSettings | None = None) -> None:
    rules = Rules(settings or mdt.settings, mdt.app.state.mdt_registry)
    async with mdt.engine.begin() as conn:
        await getattr(rules, handler)(conn, event)


async def sources(mdt: Mdt, nhs: str) -> list[dict[str, Any]]:
    found = await mdt.scalar("select sources from mdt_case where patient_nhs = :n and open", n=nhs)
    return list(found or [])


async def test_overdue_review_lists_and_the_same_event_twice_adds_nothing(mdt: Mdt) -> None:
    await mdt.team()
    nhs = await mdt.patient()
    due = an_event("careplan.review-due", nhs, carePlan="CarePlan/1", dueOn="2026-01-01")
    await apply(mdt, "review_due", due)
    await apply(mdt, "review_due", due)
    listed = await sources(mdt, nhs)
    assert [(s["kind"], s["event_id"]) for s in listed] == [("care-plan-review-overdue", due.id)]
    case_id = await mdt.scalar("select id from mdt_case where patient_nhs = :n", n=nhs)
    case = (await mdt.get(f"Task/{case_id}")).json()
    assert due.id in case["note"][0]["text"]


async def test_second_rule_adds_to_the_open_case(mdt: Mdt) -> None:
    await mdt.team()
    nhs = await mdt.patient()
    await apply(mdt, "review_due", an_event("careplan.review-due", nhs, dueOn="2026-01-01"))
    cohort = an_event("patient.cohort-changed", nhs, entered=["end-of-life"], riskScore=10)
    await apply(mdt, "cohort_changed", cohort)
    assert [s["kind"] for s in await sources(mdt, nhs)] == [
        "care-plan-review-overdue",
        "cohort-entered",
    ]
    assert await mdt.scalar("select urgency from mdt_case where patient_nhs = :n", n=nhs) == "soon"
    assert await mdt.scalar("select risk from mdt_case where patient_nhs = :n", n=nhs) == 10


async def test_disabled_rule_lists_no_one(mdt: Mdt) -> None:
    await mdt.team()
    nhs = await mdt.patient()
    settings = mdt.settings.model_copy(update={"disabled_rules": ("triage-requested-mdt",)})
    triaged = an_event("referral.triaged", nhs, outcome="accepted", mdtDiscussionRequested=True)
    await apply(mdt, "triaged", triaged, settings)
    assert await sources(mdt, nhs) == []


async def test_events_that_do_not_meet_a_rule_list_no_one(mdt: Mdt) -> None:
    await mdt.team()
    nhs = await mdt.patient()
    await apply(mdt, "triaged", an_event("referral.triaged", nhs, mdtDiscussionRequested=False))
    await apply(mdt, "cohort_changed", an_event("patient.cohort-changed", nhs, entered=[]))
    call = an_event("advice-call.recorded", nhs, outcome="conveyed", followUpNeeded=True)
    await apply(mdt, "advice_call", call)
    assert await sources(mdt, nhs) == []


async def test_patient_with_no_serving_mdt_is_not_listed(mdt: Mdt) -> None:
    nhs = await mdt.patient("Z99999")
    await apply(mdt, "triaged", an_event("referral.triaged", nhs, mdtDiscussionRequested=True))
    assert await sources(mdt, nhs) == []


async def test_revised_plan_keeps_the_review_date(mdt: Mdt) -> None:
    nhs = await mdt.patient()
    revised = an_event("careplan.revised", nhs, carePlan="CarePlan/1", nextReviewDue="2027-03-01")
    await apply(mdt, "plan_revised", revised)
    due = await mdt.scalar("select review_due_on from mdt_patient where patient_nhs = :n", n=nhs)
    assert due.isoformat() == "2027-03-01"


async def test_event_without_a_valid_nhs_number_is_rejected(mdt: Mdt) -> None:
    with pytest.raises(RejectEvent):
        await apply(mdt, "triaged", an_event("referral.triaged", "9990000019"))


async def test_published_events_match_their_schemas(mdt: Mdt) -> None:
    catalogue = SchemaCatalogue.from_folder(EVENT_SCHEMAS)
    mdt_id = await mdt.team()
    (meeting,) = await mdt.meetings(mdt_id, count=1)
    case_id = (await mdt.nominate(mdt_id, await mdt.patient())).json()["id"]
    await mdt.post(f"Appointment/{meeting}/$assemble-case-list", parameters())
    body = parameters(("status", "valueCode", "discussed"))
    body["parameter"].append({"name": "action", "part": [
        {"name": "description", "valueString": "Call"},
        {"name": "ownerKind", "valueCode": "role"},
        {"name": "ownerDisplay", "valueString": "Link worker"},
        {"name": "dueOn", "valueDate": date.today().isoformat()},
    ]})  # fmt: skip
    assert (await mdt.post(f"Task/{case_id}/$record-outcome", body)).status_code == 200
    await mdt.execute("update mdt_action set due_on = current_date - 1")
    await escalate_once(mdt.engine, mdt.app.state.mdt_registry, mdt.settings.topic)
    async with mdt.engine.connect() as conn:
        rows = (await conn.execute(text("select type, payload from outbox"))).all()
    seen = set()
    for row in rows:
        catalogue.validate(row.type, orjson.loads(row.payload))
        seen.add(row.type)
    assert seen == set(catalogue)


async def test_named_coordinator_sees_the_patients_mdt_case_while_assigned(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    nhs = await mdt.patient()
    assert (await mdt.nominate(mdt_id, nhs)).status_code == 201
    who = {"role": "care-coordinator", "organisation": "RYY01", "user": "sds-coordinator-9"}
    search = f"Task?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}"
    assert "entry" not in (await mdt.get(search, **who)).json()
    coordinator = {"sdsUserId": "sds-coordinator-9", "reference": "Practitioner/9"}
    assigned = an_event("coordinator.assigned", nhs, coordinator=coordinator, kind="key-worker")
    await apply(mdt, "coordinator_assigned", assigned)
    assert len((await mdt.get(search, **who)).json()["entry"]) == 1
    ended = an_event("coordinator.ended", nhs, coordinator=coordinator, reason="moved")
    await apply(mdt, "coordinator_ended", ended)
    assert "entry" not in (await mdt.get(search, **who)).json()
