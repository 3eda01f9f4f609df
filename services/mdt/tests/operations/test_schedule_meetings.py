"""`$schedule-meetings`: monthly meetings with their capacity, on a known, active team."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from mdt.operations import schedule_meetings
from services.mdt.tests.builders import CHAIR, NURSE, parameters, team_body
from services.mdt.tests.conftest import Mdt, outcome_codes
from services.mdt.tests.units import a_team, fake_context, fake_unit_of_work, invoke, staff


async def test_meetings_are_booked_monthly_with_capacity(mdt: Mdt) -> None:
    mdt_id = await mdt.team()
    meeting_ids = await mdt.meetings(mdt_id, count=3)
    starts = []
    for meeting_id in meeting_ids:
        appointment = (await mdt.get(f"Appointment/{meeting_id}")).json()
        assert appointment["comment"] == "Room for 28 cases"
        starts.append(datetime.fromisoformat(appointment["start"].replace("Z", "+00:00")))
    months = [s.year * 12 + s.month for s in starts]
    assert months[1] - months[0] == 1
    assert months[2] - months[1] == 1


async def test_scheduling_for_an_unknown_team_is_not_found(mdt: Mdt) -> None:
    body = parameters(("start", "valueDateTime", "2030-01-01T09:00:00Z"))
    response = await mdt.post("CareTeam/no-such-team/$schedule-meetings", body)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("items", "parameter"),
    [
        ([("start", "valueDateTime", "2030-01-01")], "start"),
        (
            [("start", "valueDateTime", "2030-01-01T09:00:00Z"), ("count", "valueInteger", 99)],
            "count",
        ),
        (
            [
                ("start", "valueDateTime", "2030-01-01T09:00:00Z"),
                ("minutesPerCase", "valueDecimal", 0),
            ],
            "minutesPerCase",
        ),
        ([("count", "valueInteger", 2)], "start"),
    ],
)
async def test_bad_values_are_400_naming_the_parameter(
    mdt: Mdt, items: list[Any], parameter: str
) -> None:
    team = await mdt.team()
    response = await mdt.post(f"CareTeam/{team}/$schedule-meetings", parameters(*items))
    assert response.status_code == 400, response.text
    where = response.json()["issue"][0]["expression"]
    assert where == [f"Parameters.parameter.where(name='{parameter}')"]


async def test_an_inactive_team_holds_no_meetings(mdt: Mdt) -> None:
    body = team_body() | {"status": "inactive"}
    created = await mdt.post("CareTeam", body)
    assert created.status_code == 201, created.text
    start = ("start", "valueDateTime", "2030-01-01T09:00:00Z")
    response = await mdt.post(
        f"CareTeam/{created.json()['id']}/$schedule-meetings", parameters(start)
    )
    assert response.status_code == 422
    assert outcome_codes(response) == ["business-rule"]


async def test_unit_meetings_are_booked_on_the_schedule_with_their_capacity() -> None:
    tx, store = fake_unit_of_work()
    mdt_id = await a_team(tx)
    tx.principal = staff(CHAIR)
    result = await invoke(
        schedule_meetings.OPERATION,
        tx,
        mdt_id,
        ("start", "valueDateTime", "2030-01-31T09:00:00+00:00"),
        ("count", "valueInteger", 3),
        ("durationMinutes", "valueInteger", 30),
        ("minutesPerCase", "valueDecimal", 10),
    )
    assert result.status == 201
    assert isinstance(result.body, dict)
    entries = result.body["entry"]
    booked = [e["resource"] for e in entries if e["resource"]["resourceType"] == "Appointment"]
    base = "http://mdt.test/fhir"
    assert result.headers["Location"] == f"{base}/Appointment/{booked[0]['id']}/_history/1"
    full_urls = [e["fullUrl"] for e in entries]
    assert full_urls == [
        f"{base}/{e['resource']['resourceType']}/{e['resource']['id']}" for e in entries
    ]
    teams = {info["reference"] for b in booked for info in b["supportingInformation"]}
    assert {f"{base}/{team}" for team in teams} == {full_urls[-1]}  # resolved in the Bundle
    members = [p["actor"]["identifier"]["value"] for p in booked[0]["participant"]]
    assert members == [CHAIR, NURSE]
    assert [b["start"][:10] for b in booked] == ["2030-01-31", "2030-02-28", "2030-03-31"]
    assert {b["comment"] for b in booked} == {"Room for 3 cases"}
    rows = sorted(store.meetings.rows.values(), key=lambda m: m.starts_at)
    assert [(m.mdt_id, m.duration_minutes, m.minutes_per_case) for m in rows] == [
        (mdt_id, 30, 10.0)
    ] * 3


async def test_unit_the_settings_give_the_defaults() -> None:
    context = fake_context(meeting_minutes=60, minutes_per_case=6, meeting_interval_months=2)
    tx, store = fake_unit_of_work(context)
    mdt_id = await a_team(tx)
    start = ("start", "valueDateTime", "2030-01-15T09:00:00Z")
    count = ("count", "valueInteger", 2)
    await invoke(schedule_meetings.OPERATION, tx, mdt_id, start, count, context=context)
    rows = sorted(store.meetings.rows.values(), key=lambda m: m.starts_at)
    assert [(m.starts_at.month, m.duration_minutes, m.minutes_per_case) for m in rows] == [
        (1, 60, 6.0),
        (3, 60, 6.0),
    ]
