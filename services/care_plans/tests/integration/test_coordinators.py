"""Named co-ordinators: assignment, handover with Provenance, cover that ends by itself,
caseloads and the unassigned worklist, and one co-ordinator under 20 concurrent
assignments."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from care_plans.service.housekeeping import housekeep
from services.care_plans.tests.conftest import (
    PRACTICE_A,
    PRACTICE_B,
    CarePlans,
    assignment,
    outcome_codes,
)


def _running(team: dict, cover: bool = False) -> list[dict]:
    code = "care-coordinator-cover" if cover else "care-coordinator"
    return [
        p
        for p in team.get("participant", [])
        if p["role"][0]["coding"][0]["code"] == code and "end" not in p["period"]
    ]


async def test_assignment_puts_the_coordinator_on_the_care_team_and_episode(
    care_plans: CarePlans,
) -> None:
    patient_id, nhs = await care_plans.registered()
    response = await care_plans.assign(patient_id, assignment("100001"))
    assert response.status_code == 200, response.text
    team = response.json()
    assert team["resourceType"] == "CareTeam"
    [participant] = _running(team)
    assert participant["member"]["reference"] == "PractitionerRole/pr-100001"
    episodes = await care_plans.client.get(
        f"/fhir/EpisodeOfCare?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}",
        headers=care_plans.auth(),
    )
    [entry] = episodes.json()["entry"]
    assert entry["resource"]["careManager"]["reference"] == "PractitionerRole/pr-100001"
    [event] = await care_plans.events("carecoord.coordinator.assigned.v1", f"Patient/{patient_id}")
    assert event["coordinator"]["sdsUserId"] == "100001"
    assert event["previous"] is None
    assert event["careTeam"] == f"CareTeam/{team['id']}"


async def test_new_assignment_hands_over_with_provenance_and_moves_access(
    care_plans: CarePlans,
) -> None:
    patient_id, _ = await care_plans.registered()
    assert (await care_plans.assign(patient_id, assignment("200001"))).status_code == 200
    response = await care_plans.assign(
        patient_id, assignment("200002", kind="key-worker", reason="moved team")
    )
    team = response.json()
    assert [p["member"]["reference"] for p in _running(team)] == ["PractitionerRole/pr-200002"]
    assert len(team["participant"]) == 2
    [ended] = await care_plans.events("carecoord.coordinator.ended.v1", f"Patient/{patient_id}")
    assert ended["coordinator"]["sdsUserId"] == "200001"
    assert ended["reason"] == "handover: moved team"
    assigned = await care_plans.events("carecoord.coordinator.assigned.v1", f"Patient/{patient_id}")
    assert assigned[-1]["previous"]["sdsUserId"] == "200001"
    provenance = await care_plans.client.get(
        f"/fhir/Provenance?target=CareTeam/{team['id']}", headers=care_plans.auth()
    )
    [handover] = [e["resource"] for e in provenance.json()["entry"]]
    assert handover["entity"][0]["what"]["reference"] == "PractitionerRole/pr-200001"
    assert handover["agent"][1]["who"]["reference"] == "PractitionerRole/pr-200002"
    assert handover["reason"][0]["text"] == "moved team"
    # the old co-ordinator (another organisation) lost access, the new one has it
    old = care_plans.auth("care-coordinator", organisation=PRACTICE_B, user="200001")
    new = care_plans.auth("care-coordinator", organisation=PRACTICE_B, user="200002")
    assert (
        await care_plans.client.get(f"/fhir/Patient/{patient_id}", headers=old)
    ).status_code == 404
    assert (
        await care_plans.client.get(f"/fhir/Patient/{patient_id}", headers=new)
    ).status_code == 200


async def test_twenty_concurrent_assignments_leave_exactly_one_coordinator(
    care_plans: CarePlans,
) -> None:
    patient_id, nhs = await care_plans.registered()
    responses = await asyncio.gather(
        *(care_plans.assign(patient_id, assignment(f"3000{i:02d}")) for i in range(20))
    )
    assert sorted(r.status_code for r in responses) == [200] * 20
    running = await care_plans.scalar(
        "select count(*) from coordinator_assignment where patient_nhs = :n and ended_at is null",
        n=nhs,
    )
    assert running == 1
    team = (
        await care_plans.client.get(
            f"/fhir/CareTeam?patient:identifier={_nhs(nhs)}", headers=care_plans.auth()
        )
    ).json()["entry"][0]["resource"]
    assert len(_running(team)) == 1
    assert len(team["participant"]) == 20
    ended = await care_plans.events("carecoord.coordinator.ended.v1", f"Patient/{patient_id}")
    assert len(ended) == 19


def _nhs(nhs: str) -> str:
    return f"https://fhir.nhs.uk/Id/nhs-number|{nhs}"


async def test_cover_runs_beside_the_coordinator_and_ends_by_itself(care_plans: CarePlans) -> None:
    patient_id, nhs = await care_plans.registered()
    await care_plans.assign(patient_id, assignment("400001"))
    now = datetime.now(UTC)
    cover = assignment(
        "400002",
        cover=True,
        start=(now - timedelta(days=7)).isoformat(),
        end=(now - timedelta(minutes=1)).isoformat(),
        reason="annual leave",
    )
    response = await care_plans.assign(patient_id, cover)
    assert response.status_code == 200, response.text
    # the cover's access already ended with its period, whatever the clock job does
    covering = care_plans.auth("care-coordinator", organisation=PRACTICE_B, user="400002")
    assert (
        await care_plans.client.get(f"/fhir/Patient/{patient_id}", headers=covering)
    ).status_code == 404
    report = await housekeep(
        care_plans.engine, care_plans.app.state.registry, care_plans.settings.topic
    )
    assert report.lapsed_assignments >= 1
    ended = await care_plans.events("carecoord.coordinator.ended.v1", f"Patient/{patient_id}")
    assert [(e["coordinator"]["sdsUserId"], e["reason"]) for e in ended] == [
        ("400002", "cover period ended")
    ]
    # the named co-ordinator is untouched, and a second run changes nothing
    again = await housekeep(
        care_plans.engine, care_plans.app.state.registry, care_plans.settings.topic
    )
    assert again.lapsed_assignments == 0
    running = await care_plans.scalar(
        "select sds_user_id from coordinator_assignment"
        " where patient_nhs = :n and ended_at is null",
        n=nhs,
    )
    assert running == "400001"


async def test_cover_needs_an_end_and_periods_must_run_forwards(care_plans: CarePlans) -> None:
    patient_id, _ = await care_plans.registered()
    no_end = await care_plans.assign(patient_id, assignment("500001", cover=True))
    assert no_end.status_code == 422
    assert outcome_codes(no_end) == ["business-rule"]
    backwards = assignment("500001", start="2026-02-01", end="2026-01-01")
    assert (await care_plans.assign(patient_id, backwards)).status_code == 422


async def test_bad_assignment_input_is_refused_with_the_parameter_named(
    care_plans: CarePlans,
) -> None:
    patient_id, _ = await care_plans.registered()
    good = assignment("600001")
    cases = []
    wrong_kind = assignment("600001", kind="chief")
    cases.append(wrong_kind)
    no_sds = {
        "resourceType": "Parameters",
        "parameter": good["parameter"][:1] + good["parameter"][2:],
    }
    cases.append(no_sds)
    bad_ref = assignment("600001")
    bad_ref["parameter"][0]["valueReference"]["reference"] = "Patient/x"
    cases.append(bad_ref)
    bad_date = assignment("600001", start="yesterday")
    cases.append(bad_date)
    cases.append({"resourceType": "Patient"})
    for body in cases:
        response = await care_plans.assign(patient_id, body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["resourceType"] == "OperationOutcome"
    missing = await care_plans.assign("no-such-patient", good)
    assert missing.status_code == 404
    not_json = await care_plans.client.post(
        f"/fhir/Patient/{patient_id}/$assign-coordinator",
        content=b"{",
        headers=care_plans.auth(),
    )
    assert not_json.status_code == 400
    other_practice = await care_plans.assign(patient_id, good, organisation=PRACTICE_B)
    assert other_practice.status_code == 404
    patient_token = await care_plans.assign(
        patient_id, good, role="patient", organisation=None, nhs_number="9990000018"
    )
    assert patient_token.status_code == 403


async def test_caseloads_and_the_unassigned_worklist(care_plans: CarePlans) -> None:
    assigned_id, _ = await care_plans.registered(practice=PRACTICE_A, locality="north")
    unassigned_id, _ = await care_plans.registered(practice=PRACTICE_A, locality="north")
    not_ltc_id, _ = await care_plans.registered(practice=PRACTICE_A, conditions=())
    await care_plans.assign(assigned_id, assignment("700001"))

    async def ids(path: str) -> set[str]:
        response = await care_plans.client.get(path, headers=care_plans.auth())
        assert response.status_code == 200, response.text
        return {e["resource"]["id"] for e in response.json().get("entry", [])}

    assert await ids("/fhir/Patient/$caseload?coordinator=700001") == {assigned_id}
    assert assigned_id in await ids("/fhir/Patient/$caseload?locality=north")
    worklist = await ids(f"/fhir/Patient/$unassigned-coordinator?practice={PRACTICE_A}")
    assert unassigned_id in worklist
    assert assigned_id not in worklist
    assert not_ltc_id not in worklist
    other = await care_plans.client.get(
        f"/fhir/Patient/$unassigned-coordinator?practice={PRACTICE_A}",
        headers=care_plans.auth(organisation=PRACTICE_B),
    )
    assert other.json().get("entry", []) == []
    bad = await care_plans.client.get(
        "/fhir/Patient/$caseload?colour=red", headers=care_plans.auth()
    )
    assert bad.status_code == 400
