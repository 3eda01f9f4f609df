"""`$advice-lines` on the in-memory world: open lines and who is on call, in ringing order."""

from __future__ import annotations

import pytest

from carecoord_shared.fhir.outcome import FhirError
from referrals.operations.advice_lines import OPERATION, handle
from services.referrals.tests.bodies import (
    advice_line,
    on_call,
)
from services.referrals.tests.fakes import Memory
from services.referrals.tests.world import PARAMEDIC, stored

ELDERLY = {"system": "http://snomed.info/sct", "code": "394811001"}


def _asked(at: str, locality: str = "locality-1") -> list[dict[str, str]]:
    return [
        {"name": "specialty", "valueString": f"{ELDERLY['system']}|{ELDERLY['code']}"},
        {"name": "locality", "valueCode": locality},
        {"name": "at", "valueString": at},
    ]


async def test_the_lines_of_the_locality_give_who_is_on_call_now_in_ringing_order() -> None:
    world = Memory()
    line = await stored(world, advice_line("locality-1"))
    await stored(world, advice_line("locality-2"))
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    day = {"daysOfWeek": weekdays, "availableStartTime": "08:00:00", "availableEndTime": "18:00:00"}
    await stored(world, on_call(line.reference, "Dr Backup", 2, {"allDay": True}))
    await stored(world, on_call(line.reference, "Dr Day", 1, day))

    answer = await handle(
        world.call(OPERATION, PARAMEDIC, parameters=_asked("2026-06-10T10:00:00"))
    )

    assert isinstance(answer.body, dict)
    (found,) = answer.body["parameter"]
    parts = found["part"]
    assert parts[0]["valueReference"]["reference"] == line.reference
    ringing = [p for p in parts if p["name"] == "onCall"]
    assert [c["part"][1]["valueReference"]["display"] for c in ringing] == ["Dr Day", "Dr Backup"]


async def test_a_look_up_time_that_is_not_a_date_time_names_the_parameter() -> None:
    world = Memory()

    with pytest.raises(FhirError) as refused:
        await handle(world.call(OPERATION, PARAMEDIC, parameters=_asked("half past ten")))

    assert refused.value.status == 400
    assert refused.value.issues[0].expression == ("Parameters.parameter.where(name='at')",)
