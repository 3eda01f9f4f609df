"""Routed to a service that is open (hazard H3): when the directory's first pharmacy is
closed, the route names another pharmacy of the same group that is open now."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.domain.routing import Situation, decide
from portal.service.front_door_rules import load_front_door

UTI = Situation(30, "female", frozenset({"uti-symptoms"}))


@pytest.mark.parametrize(
    ("moment", "pharmacy"),
    [
        (datetime(2026, 12, 2, 10, 0, tzinfo=UTC), "pharmacy"),  # Wednesday morning
        (datetime(2026, 12, 2, 22, 30, tzinfo=UTC), "pharmacy-market-square"),  # late
        (datetime(2026, 12, 3, 3, 0, tzinfo=UTC), "pharmacy-borough-general"),  # night
    ],
    ids=["day", "late-evening", "night"],
)
def test_a_woman_with_uti_symptoms_is_sent_to_a_pharmacy_open_then(
    moment: datetime, pharmacy: str
) -> None:
    front_door = load_front_door()

    decision = decide(front_door.rules, front_door.services, UTI, moment)

    assert (decision.route, decision.service.key, decision.open_now) == ("pharmacy", pharmacy, True)


def test_a_service_with_no_group_is_named_even_when_closed() -> None:
    front_door = load_front_door()
    back = Situation(40, "male", frozenset({"back-or-joint-pain"}))

    decision = decide(
        front_door.rules, front_door.services, back, datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
    )

    assert (decision.service.key, decision.open_now) == ("physiotherapy", False)
    assert decision.opens_next is not None
