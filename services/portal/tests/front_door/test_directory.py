"""The front door's services come from referrals' directory (issue 11): the demo data's
HealthcareServices written to the real referrals service, read by the portal with a
system token, and a change made in referrals reaching the front door's answer; while
referrals is down the last copy read is used."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from carecoord_devstack.demo_data.front_door import FRONT_DOOR_SERVICE, front_door_seeds
from carecoord_devstack.testing import create_fresh_database
from carecoord_shared.security.dev_issuer import DevIssuer
from portal.service.front_door_directory import LiveDirectory
from portal.service.front_door_routing import RouteInput, route_now
from portal.service.front_door_rules import load_front_door
from referrals.main import create_app as create_referrals
from referrals.settings import ReferralsSettings
from services.portal.tests.front_door.conftest import output, parameters, running_portal
from services.portal.tests.web.conftest import LiveServer, free_port

NIGHT = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # only the 24-hour pharmacy is open
UTI = RouteInput(30, "female", ("uti-symptoms",))
HOSPITAL = "pharmacy-borough-general"


@pytest.fixture(scope="module")
async def referrals_db(infrastructure: None) -> str:
    return await create_fresh_database("fdref")


@pytest.fixture(scope="module")
def referrals(
    referrals_db: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """The real referrals service with the demo front door services, and a system token."""
    issuer, port, run = (
        DevIssuer(tmp_path_factory.mktemp("fdref")),
        free_port(),
        uuid.uuid4().hex[:8],
    )
    url = f"http://127.0.0.1:{port}"
    settings = ReferralsSettings(
        environment="test",
        database_url=referrals_db,
        auth_jwks_url=issuer.jwks_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        public_base_url=url,
        log_level="WARNING",
        topic=f"test.fdref.{run}",
        care_plans_topic=f"test.fdcp.{run}",
    )
    server = LiveServer(create_referrals(settings), port)
    server.start()
    headers = {"Authorization": f"Bearer {issuer.mint('system')}"}
    try:
        for seed in front_door_seeds():
            made = httpx.post(f"{url}/fhir/HealthcareService", json=seed.resource, headers=headers)
            assert made.status_code == 201, made.text
        yield url, headers
    finally:
        server.stop()


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


async def test_the_route_operation_names_the_service_as_referrals_has_it_now(
    referrals: tuple[str, dict[str, str]], front_door_issuer: DevIssuer, kafka_bootstrap: str
) -> None:
    night_line = [{"system": "phone", "value": "01632 960077"}]
    _revise(referrals, HOSPITAL, telecom=night_line, availableTime=[{"allDay": True}])
    url, headers = referrals
    token = headers["Authorization"].removeprefix("Bearer ")
    body = parameters(age=30, sex="female", answer="uti-symptoms")

    async with running_portal(
        front_door_issuer,
        kafka_bootstrap,
        NIGHT,
        referrals_url=url,
        front_door_directory_token=token,
        front_door_directory_refresh_s=0,
    ) as portal:
        for _attempt in range(50):  # the first answer starts the read in the background
            answer = await portal.client.post(
                "/fhir/$route", json=body, headers=portal.auth("system")
            )
            assert answer.status_code == 200, answer.text
            parts = {p["name"]: p for p in output(answer.json(), "service")}
            if parts["healthcareService"]["resource"].get("telecom") == night_line:
                break
            await asyncio.sleep(0.1)

    assert parts["healthcareService"]["resource"]["id"] == HOSPITAL
    assert parts["healthcareService"]["resource"]["telecom"] == night_line
    assert parts["openNow"]["valueBoolean"] is True
