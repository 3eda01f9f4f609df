"""`carecoord.patient.registered.v1`: the registered practice's grant moves with the patient."""

from __future__ import annotations

from carecoord_shared.events import new_event
from referrals.events.patient_registered import CONSUMER
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import SYSTEM


async def test_a_move_ends_the_old_practices_access_and_opens_the_new_ones() -> None:
    world = Memory()
    nhs_number = "9990000018"

    for practice, previous in (("A81001", None), ("B82002", "A81001")):
        event = new_event(
            CONSUMER.event_type,
            source="urn:carecoord:care-plans",
            subject="Patient/p1",
            nhs_number=nhs_number,
            data={"nhsNumber": nhs_number, "practice": practice, "previousPractice": previous},
        )
        await CONSUMER.handler(world.unit(SYSTEM, authorised=True), event, world.context)

    running = await world.tx.grants.running(nhs_number)
    assert [(g.party, g.reason) for g in running] == [("B82002", "registered-practice")]
    assert CONSUMER.topic(world.settings) == "carecoord.careplans.v1"
