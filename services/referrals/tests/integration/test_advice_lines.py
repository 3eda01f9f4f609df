"""Paramedic advice lines: who to ring when, the call record, the summary without care_plans.

The referrals worker (its real consumer) projects care_plans' events from this test's
own Kafka topic; care_plans itself never runs, as when it is down.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from carecoord_devstack.testing import eventually, publish
from carecoord_shared.security.dev_issuer import DevIssuer
from referrals.worker import build_worker
from services.referrals.tests.bodies import (
    FHIR_JSON,
    NHS_NUMBER_SYSTEM,
    advice_line,
    on_call,
)
from services.referrals.tests.care_plans_events import care_plan_revised, coordinator_assigned
from services.referrals.tests.conftest import (
    Referrals,
    SettingsFactory,
    started_referrals,
)
from services.referrals.tests.flows import submit

RUN = uuid.uuid4().hex[:8]
CARE_PLANS_TOPIC = f"test.careplans.{RUN}"
ELDERLY = "http://snomed.info/sct|394811001"
AMBULANCE = "Y0T004"


@pytest.fixture(scope="module")
async def lines(
    issuer: DevIssuer,
    referrals_settings_factory: SettingsFactory,
    infrastructure: None,
) -> AsyncIterator[Referrals]:
    async with started_referrals(
        issuer,
        referrals_settings_factory,
        topic=f"test.referrals.{RUN}",
        care_plans_topic=CARE_PLANS_TOPIC,
    ) as harness:
        worker = build_worker(harness.app.state.settings)
        running = asyncio.create_task(worker.run())
        await asyncio.wait_for(worker.started.wait(), 60)
        try:
            yield harness
        finally:
            worker.stopping.set()
            await running


WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
ALL_WEEK = [*WEEKDAYS, "sat", "sun"]


@pytest.fixture(scope="module")
async def rota(lines: Referrals) -> dict[str, str]:
    line = await lines.create(advice_line("locality-1", "01632 960101"))
    await lines.create(advice_line("locality-2", "01632 960199"))
    reference = f"HealthcareService/{line['id']}"
    day = {"daysOfWeek": WEEKDAYS, "availableStartTime": "08:00:00", "availableEndTime": "18:00:00"}
    night = {
        "daysOfWeek": ALL_WEEK,
        "availableStartTime": "18:00:00",
        "availableEndTime": "08:00:00",
    }
    made = {
        "day": await lines.create(on_call(reference, "Dr Day", 1, day)),
        "night": await lines.create(on_call(reference, "Dr Night", 1, night)),
        "backup": await lines.create(on_call(reference, "Dr Backup", 2, {"allDay": True})),
    }
    return {"line": line["id"], **{k: v["id"] for k, v in made.items()}}


def _paramedic(lines: Referrals, user: str = "paramedic-1") -> dict[str, str]:
    return {**lines.auth("paramedic", AMBULANCE, user=user), "Content-Type": FHIR_JSON}


async def _ring(lines: Referrals, at: str, locality: str = "locality-1") -> list[list[str]]:
    response = await lines.client.get(
        "/fhir/HealthcareService/$advice-lines",
        params={"specialty": ELDERLY, "locality": locality, "at": at},
        headers=_paramedic(lines),
    )
    assert response.status_code == 200, response.text
    found = []
    for line in response.json().get("parameter", []):
        contacts = [p for p in line["part"] if p["name"] == "onCall"]
        found.append([c["part"][1]["valueReference"]["display"] for c in contacts])
    return found


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-06-10T10:00:00+01:00", ["Dr Day", "Dr Backup"]),  # Wednesday morning (BST)
        ("2026-06-10T22:30:00", ["Dr Night", "Dr Backup"]),  # local time, late evening
        ("2026-06-11T06:00:00+01:00", ["Dr Night", "Dr Backup"]),  # the night runs on
        ("2026-06-13T10:00:00+01:00", ["Dr Backup"]),  # Saturday: no day cover
    ],
)
async def test_advice_lines_give_who_is_on_call_in_ringing_order(
    lines: Referrals, rota: dict[str, str], at: str, expected: list[str]
) -> None:
    assert await _ring(lines, at) == [expected]


async def test_a_line_for_another_locality_is_not_offered(
    lines: Referrals, rota: dict[str, str]
) -> None:
    assert len(await _ring(lines, "2026-06-10T10:00:00+01:00", "locality-2")) == 1
    assert await _ring(lines, "2026-06-10T10:00:00+01:00", "locality-9") == []


async def test_a_bad_look_up_time_is_a_400(lines: Referrals, rota: dict[str, str]) -> None:
    response = await lines.client.get(
        "/fhir/HealthcareService/$advice-lines",
        params={"specialty": ELDERLY, "at": "half past ten"},
        headers=_paramedic(lines),
    )

    assert response.status_code == 400


async def _record(lines: Referrals, line: str, nhs: str, outcome: str, **extra: Any) -> Any:
    parameters = [
        {"name": "adviceLine", "valueReference": {"reference": f"HealthcareService/{line}"}},
        {"name": "patient", "valueIdentifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs}},
        {"name": "outcome", "valueCode": outcome},
        {"name": "locality", "valueCode": extra.get("locality", "locality-1")},
        {"name": "note", "valueString": "Advised fluids and GP review"},
    ]
    return await lines.client.post(
        "/fhir/Communication/$record-advice-call",
        json={"resourceType": "Parameters", "parameter": parameters},
        headers=extra.get("headers") or _paramedic(lines),
    )


async def _projected(lines: Referrals, nhs: str) -> None:
    """Wait for the worker's consumer to apply the care plans events (another task)."""
    plans = "select count(*) from care_plan where nhs_number = :n"
    coordinators = "select count(*) from coordinator where nhs_number = :n"

    async def both() -> bool:
        return bool(await lines.scalar(plans, n=nhs) and await lines.scalar(coordinators, n=nhs))

    await eventually(both)


async def test_the_paramedic_summary_needs_an_advice_call_and_comes_from_projected_events(
    lines: Referrals, rota: dict[str, str], kafka_bootstrap: str
) -> None:
    request = await submit(lines, priority="urgent")
    nhs = request["subject"]["identifier"]["value"]
    events = coordinator_assigned(nhs), care_plan_revised(nhs)
    await publish(kafka_bootstrap, CARE_PLANS_TOPIC, *events)
    await _projected(lines, nhs)
    url = f"/fhir/Patient/{nhs}/$paramedic-summary"

    before = await lines.client.get(url, headers=_paramedic(lines))
    recorded = await _record(lines, rota["line"], nhs, "not-conveyed")
    after = await lines.client.get(url, headers=_paramedic(lines))
    someone_else = await lines.client.get(url, headers=_paramedic(lines, "paramedic-2"))

    assert before.status_code == 403
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["medium"][0]["coding"][0]["code"] == "PHONE"
    assert someone_else.status_code == 403
    assert after.status_code == 200, after.text
    summary = {p["name"]: p for p in after.json()["parameter"]}
    coordinator = {p["name"]: p for p in summary["coordinator"]["part"]}
    plan = {p["name"]: p for p in summary["carePlan"]["part"]}
    assert coordinator["name"]["valueString"] == "Sam Carter"
    assert plan["preferredPlaceOfDeath"]["valueString"] == "Home"
    assert plan["resuscitation"]["valueString"] == "DNACPR"
    assert summary["openRequest"]["part"][0]["valueReference"]["reference"] == (
        f"ServiceRequest/{request['id']}"
    )
    audited = await lines.scalar(
        "select string_agg(action || ' ' || split_part(entity, '$', 2), ',' order by recorded) "
        "from audit_event where patient_nhs = :n and purpose = 'advice-call'",
        n=nhs,
    )
    assert audited == "C record-advice-call,R paramedic-summary"  # the grant, then the read
    announced = await lines.scalar(
        "select count(*) from outbox where type = 'carecoord.advice-call.recorded.v1' and key = :n",
        n=nhs,
    )
    assert announced == 1


async def test_only_paramedics_record_calls_and_outcomes_are_checked(
    lines: Referrals, rota: dict[str, str]
) -> None:
    nhs = await lines.registered_patient()

    by_gp = await _record(lines, rota["line"], nhs, "conveyed", headers=lines.write_headers())
    bad_outcome = await _record(lines, rota["line"], nhs, "teleported")
    not_a_line = await _record(lines, lines.default_service, nhs, "conveyed")
    bad_nhs = await _record(lines, rota["line"], nhs[:9] + str((int(nhs[9]) + 1) % 10), "other")

    assert by_gp.status_code == 403
    assert bad_outcome.status_code == 400
    assert not_a_line.status_code == 422
    assert bad_nhs.status_code == 400


async def test_avoided_conveyance_is_measured_per_line_and_locality(
    lines: Referrals, rota: dict[str, str]
) -> None:
    for outcome, locality in (
        ("not-conveyed", "locality-3"),
        ("conveyed", "locality-3"),
        ("not-conveyed", "locality-4"),
    ):
        response = await _record(
            lines, rota["line"], await lines.registered_patient(), outcome, locality=locality
        )
        assert response.status_code == 201, response.text

    report = await lines.client.get(
        f"/fhir/HealthcareService/{rota['line']}/$avoided-conveyance", headers=_paramedic(lines)
    )

    assert report.status_code == 200
    scores = {
        g["code"]["coding"][0]["code"]: g["measureScore"]["value"] for g in report.json()["group"]
    }
    assert scores["locality-3"] == 50.0
    assert scores["locality-4"] == 100.0
