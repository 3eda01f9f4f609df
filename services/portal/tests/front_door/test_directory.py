"""The front door's services come from referrals' directory (issue 11): the demo data's
HealthcareServices written to the real referrals service, read by the portal with a
system token, and a change made in referrals reaching the front door's answer; while
referrals is down the last copy read is used."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx

from carecoord_devstack.demo_data.front_door import FRONT_DOOR_SERVICE
from carecoord_shared.security.dev_issuer import DevIssuer
from portal.service.front_door_directory import LiveDirectory
from portal.service.front_door_routing import RouteInput, route_now
from portal.service.front_door_rules import load_front_door
from services.portal.tests.front_door.conftest import output, parameters, running_portal

NIGHT = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # only the 24-hour pharmacy is open
UTI = RouteInput(30, "female", ("uti-symptoms",))
HOSPITAL = "pharmacy-borough-general"


def _live(referrals: tuple[str, dict[str, str]]) -> LiveDirectory:
    url, headers = referrals
    return LiveDirectory(url, headers["Authorization"].removeprefix("Bearer "), refresh_s=3600)


def _revise(referrals: tuple[str, dict[str, str]], key: str, **fields: Any) -> None:
    """An administrator's change to the service `key` in referrals' directory."""
    url, headers = referrals
    query = {"identifier": f"{FRONT_DOOR_SERVICE}|{key}"}
    found = httpx.get(f"{url}/fhir/HealthcareService", params=query, headers=headers)
    assert found.status_code == 200, found.text
    resource = found.json()["entry"][0]["resource"] | fields
    changed = httpx.put(
        f"{url}/fhir/HealthcareService/{resource['id']}", json=resource, headers=headers
    )
    assert changed.status_code == 200, changed.text


async def test_every_demo_front_door_service_is_read_from_referrals(
    referrals: tuple[str, dict[str, str]],
) -> None:
    live = _live(referrals)

    assert await live.refresh()

    shipped = load_front_door()
    keys = {key for key in shipped.services if key not in ("gp-practice", "coordinator")}
    assert set(live.services) == keys
    assert live.services[HOSPITAL].hours.always
    assert live.services["podiatry"].hours.week[4][0].closes.isoformat() == "16:30:00"
    assert live.services["pharmacy"].group == "pharmacy"


async def test_a_change_in_referrals_reaches_the_route_and_survives_referrals_going_down(
    referrals: tuple[str, dict[str, str]],
) -> None:
    _revise(
        referrals,
        HOSPITAL,
        telecom=[{"system": "phone", "value": "01632 960099"}],
        availableTime=[{"allDay": True}],
    )
    live = _live(referrals)
    assert await live.refresh()

    decision = route_now(live.over(load_front_door()), UTI, None, NIGHT, count=False)

    assert (decision.service.key, decision.service.phone, decision.open_now) == (
        HOSPITAL,
        "01632 960099",
        True,
    )
    live.referrals_url = "http://127.0.0.1:9"  # referrals stops answering
    assert not await live.refresh()
    kept = route_now(live.over(load_front_door()), UTI, None, NIGHT, count=False)
    assert kept.service.phone == "01632 960099"


async def test_a_pharmacy_closed_in_referrals_is_never_offered_as_open(
    referrals: tuple[str, dict[str, str]],
) -> None:
    monday_morning = {
        "daysOfWeek": ["mon"],
        "availableStartTime": "09:00:00",
        "availableEndTime": "12:00:00",
    }
    _revise(referrals, HOSPITAL, availableTime=[monday_morning])
    live = _live(referrals)
    assert await live.refresh()

    decision = route_now(live.over(load_front_door()), UTI, None, NIGHT, count=False)

    assert decision.route == "pharmacy"
    assert decision.open_now is False
    assert decision.opens_next is not None


async def night_pharmacy_on_route(
    referrals: tuple[str, dict[str, str]],
    issuer: DevIssuer,
    kafka: str,
    phone: str,
    **directory: Any,
) -> dict[str, Any]:
    """The hospital pharmacy given a night line and open all day in referrals; then
    `$route`'s service parts for a UTI at night, once the portal (reading the directory
    with `directory` settings) names it with that line (its first answer starts the
    read in the background)."""
    line = [{"system": "phone", "value": phone}]
    _revise(referrals, HOSPITAL, telecom=line, availableTime=[{"allDay": True}])
    body = parameters(age=30, sex="female", answer="uti-symptoms")
    settings = {"referrals_url": referrals[0], "front_door_directory_refresh_s": 0, **directory}
    async with running_portal(issuer, kafka, NIGHT, **settings) as portal:
        for _attempt in range(50):
            answer = await portal.client.post(
                "/fhir/$route", json=body, headers=portal.auth("system")
            )
            assert answer.status_code == 200, answer.text
            parts = {p["name"]: p for p in output(answer.json(), "service")}
            if parts["healthcareService"]["resource"].get("telecom") == line:
                break
            await asyncio.sleep(0.1)
    assert parts["healthcareService"]["resource"]["id"] == HOSPITAL
    assert parts["healthcareService"]["resource"]["telecom"] == line
    return parts


async def test_the_route_operation_names_the_service_as_referrals_has_it_now(
    referrals: tuple[str, dict[str, str]], front_door_issuer: DevIssuer, kafka_bootstrap: str
) -> None:
    token = referrals[1]["Authorization"].removeprefix("Bearer ")

    parts = await night_pharmacy_on_route(
        referrals, front_door_issuer, kafka_bootstrap, "01632 960077",
        front_door_directory_token=token,
    )  # fmt: skip

    assert parts["openNow"]["valueBoolean"] is True
