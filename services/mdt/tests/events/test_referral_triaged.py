"""`referral.triaged`: the `triage-requested-mdt` rule, its switch, and who it cannot list."""

from __future__ import annotations

import pytest

from carecoord_shared.events import RejectEvent
from mdt.events import referral_triaged
from mdt.service.context import MdtContext
from services.mdt.tests.builders import an_event
from services.mdt.tests.conftest import Mdt, sources
from services.mdt.tests.units import a_meeting, a_patient, a_team, fake_context, fake_unit_of_work


async def test_disabled_rule_lists_no_one(mdt: Mdt) -> None:
    nhs = await mdt.served_patient()
    settings = mdt.settings.model_copy(update={"disabled_rules": ("triage-requested-mdt",)})
    context = MdtContext(settings)
    triaged = an_event("referral.triaged", nhs, outcome="accepted", mdtDiscussionRequested=True)
    await mdt.consume(referral_triaged.CONSUMER, triaged, context)
    assert await sources(mdt, nhs) == []


async def test_patient_with_no_serving_mdt_is_not_listed(mdt: Mdt) -> None:
    nhs = await mdt.patient("Z99999")
    await mdt.consume(
        referral_triaged.CONSUMER, an_event("referral.triaged", nhs, mdtDiscussionRequested=True)
    )
    assert await sources(mdt, nhs) == []


async def test_event_without_a_valid_nhs_number_is_rejected(mdt: Mdt) -> None:
    with pytest.raises(RejectEvent):
        await mdt.consume(referral_triaged.CONSUMER, an_event("referral.triaged", "9990000019"))


async def test_triage_asking_for_mdt_discussion_lists_the_patient(mdt: Mdt) -> None:
    nhs = await mdt.served_patient()
    triaged = an_event("referral.triaged", nhs, outcome="accepted", mdtDiscussionRequested=True)
    await mdt.consume(referral_triaged.CONSUMER, triaged)
    listed = await sources(mdt, nhs)
    assert [(s["kind"], s["event_id"], s["event_type"]) for s in listed] == [
        ("triage-requested-mdt", triaged.id, "carecoord.referral.triaged.v1")
    ]


async def test_triage_without_a_request_lists_no_one(mdt: Mdt) -> None:
    nhs = await mdt.served_patient()
    triaged = an_event("referral.triaged", nhs, mdtDiscussionRequested=False)
    await mdt.consume(referral_triaged.CONSUMER, triaged)
    assert await sources(mdt, nhs) == []


# Unit tests on the in-memory unit of work (tests/fakes.py).


async def test_unit_a_triage_asking_for_discussion_lists_once_per_event() -> None:
    tx, store = fake_unit_of_work()
    mdt_id = await a_team(tx)
    meeting = await a_meeting(tx, mdt_id)
    nhs = await a_patient(tx, store)
    triaged = an_event("referral.triaged", nhs, mdtDiscussionRequested=True)
    await referral_triaged.handle(tx, triaged, fake_context())
    await referral_triaged.handle(tx, triaged, fake_context())  # redelivered
    [case] = store.cases.rows.values()
    assert (case.mdt_id, case.meeting_id, case.urgency) == (mdt_id, meeting, "routine")
    assert [(s["kind"], s["event_id"]) for s in case.sources] == [
        ("triage-requested-mdt", triaged.id)
    ]
    [listed] = tx.fake_outbox.events
    assert (listed.data["rule"], listed.data["nomination"]) == ("triage-requested-mdt", None)
    task = (await tx.read("Task", case.id)).as_json()
    assert triaged.id in task["note"][0]["text"]


async def test_unit_a_switched_off_rule_or_no_serving_team_lists_no_one() -> None:
    tx, store = fake_unit_of_work()
    await a_team(tx)
    nhs = await a_patient(tx, store)
    stranger = await a_patient(tx, store, practice="Z99999")
    switched_off = fake_context(disabled_rules=("triage-requested-mdt",))
    await referral_triaged.handle(
        tx, an_event("referral.triaged", nhs, mdtDiscussionRequested=True), switched_off
    )
    await referral_triaged.handle(
        tx, an_event("referral.triaged", stranger, mdtDiscussionRequested=True), fake_context()
    )
    assert store.cases.rows == {}
    assert tx.fake_outbox.events == []


async def test_unit_a_closed_team_serves_no_one() -> None:
    tx, store = fake_unit_of_work()
    await a_team(tx)
    nhs = await a_patient(tx, store)
    [mdt_id] = store.teams.teams
    await store.teams.close(mdt_id)
    triaged = an_event("referral.triaged", nhs, mdtDiscussionRequested=True)
    await referral_triaged.handle(tx, triaged, fake_context())
    assert store.cases.rows == {}
