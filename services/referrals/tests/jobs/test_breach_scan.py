"""The breach scan on the in-memory world: each alarm once, an escalation Task, paused skipped."""

from __future__ import annotations

from datetime import UTC, datetime

from carecoord_shared.service import JobCall
from referrals.jobs.breach_scan import JOB
from referrals.operations import triage
from referrals.service.context import Referrals
from referrals.settings import ReferralsSettings
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import CLINICIAN, SYSTEM, a_service, submitted


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_imminent_then_breached_are_raised_once_each_and_paused_cases_never() -> None:
    clock = Clock(datetime(2026, 6, 8, 9, tzinfo=UTC))  # Monday: urgent due Wed 10 June
    world = Memory(context=Referrals(now=clock))
    service = await a_service(world)
    running = await submitted(world, service, priority="urgent")
    paused = await submitted(world, service, priority="urgent")
    asked = {"name": "outcome", "valueCode": "information-requested"}
    await triage.handle(world.call(triage.OPERATION, CLINICIAN, paused.id, parameters=[asked]))
    call = JobCall(world, world.context, SYSTEM)  # type: ignore[arg-type]

    raised = []
    for now in (datetime(2026, 6, 10, 9, tzinfo=UTC), datetime(2026, 6, 11, 0, 1, tzinfo=UTC)):
        clock.now = now
        raised += [await JOB.run(call), await JOB.run(call)]

    assert raised == [1, 0, 1, 0]
    alarms = [e for e in world.tx.fake_outbox.events if "breach" in e.type]
    assert [(e.type, e.subject) for e in alarms] == [
        ("carecoord.referral.breach-imminent.v1", running.reference),
        ("carecoord.referral.breached.v1", running.reference),
    ]
    (escalation,) = (await world.tx.search("Task", [("code", "escalation")])).matches
    assert escalation.as_json()["owner"] == {"reference": service.reference}
    assert JOB.interval_s(ReferralsSettings(environment="test")) == 60.0
