"""`$avoided-conveyance` on the in-memory world: a group per locality."""

from __future__ import annotations

from datetime import UTC, datetime

from referrals.domain.records import AdviceCall
from referrals.operations.avoided_conveyance import OPERATION
from referrals.store.advice_calls import AdviceCalls
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import PARAMEDIC, an_advice_line


async def test_the_share_not_conveyed_is_given_per_locality() -> None:
    world = Memory()
    line = await an_advice_line(world)
    calls = world.repository(AdviceCalls)
    for number, (outcome, locality) in enumerate(
        [("not-conveyed", "locality-3"), ("conveyed", "locality-3"), ("not-conveyed", None)]
    ):
        at = datetime(2026, 6, 1, tzinfo=UTC)
        await calls.record(
            AdviceCall(f"Communication/{number}", line.reference, locality, outcome, "x", "p", at)
        )

    answer = await OPERATION.handler(world.call(OPERATION, PARAMEDIC, line.id))

    assert isinstance(answer.body, dict)
    scores = {
        g["code"]["coding"][0]["code"]: g["measureScore"]["value"] for g in answer.body["group"]
    }
    assert scores == {"locality-3": 50.0, "unknown": 100.0}
