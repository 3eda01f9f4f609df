"""`$assign-coordinator`: assignment, handover with Provenance and the access grant
moving, one co-ordinator under 20 concurrent assignments, and refusals that name the
parameter. Rules on fakes first, then over HTTP on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from care_plans.domain.event_types import COORDINATOR_ASSIGNED, COORDINATOR_ENDED
from care_plans.operations.assign_coordinator import OPERATION
from carecoord_shared.fhir.outcome import FhirError
from services.care_plans.tests.builders import PRACTICE_B, assignment
from services.care_plans.tests.conftest import CarePlans, entries, outcome_codes
from services.care_plans.tests.units import fake_care_plans, operation_call, staff

NHS = "9990000018"


def _running(team: dict, cover: bool = False) -> list[dict]:
    code = "care-coordinator-cover" if cover else "care-coordinator"
    return [
        p
        for p in team.get("participant", [])
        if p["role"][0]["coding"][0]["code"] == code and "end" not in p["period"]
    ]


async def _assign(fake, patient_id: str, sds: str, **options) -> dict:
    parameters = assignment(sds, **options)["parameter"]
    call = operation_call(fake, OPERATION, parameters, staff(), patient_id)
    result = await OPERATION.handler(call)
    assert result.status == 200
    assert isinstance(result.body, dict)
    return result.body


async def test_a_handover_ends_the_old_assignment_and_moves_the_grant() -> None:
    fake = fake_care_plans()
    patient_id = await fake.registered(NHS)
    first = await _assign(fake, patient_id, "200001")
    team = await _assign(fake, patient_id, "200002", kind="key-worker", reason="moved team")
    assert team["id"] == first["id"]
    assert [p["member"]["reference"] for p in _running(team)] == ["PractitionerRole/pr-200002"]
    [ended] = fake.events(COORDINATOR_ENDED)
    assert ended["coordinator"]["sdsUserId"] == "200001"
    assert ended["reason"] == "handover: moved team"
    assert fake.events(COORDINATOR_ASSIGNED)[-1]["previous"]["sdsUserId"] == "200001"
    holders = {g.party for g in await fake.tx.grants.running(NHS, reason="care-team")}
    assert holders == {"200002"}
    provenance = await fake.tx.search("Provenance", [("target", f"CareTeam/{team['id']}")])
    [handover] = [p.as_json() for p in provenance.matches]
    assert handover["entity"][0]["what"]["reference"] == "PractitionerRole/pr-200001"


async def test_cover_without_an_end_breaks_a_business_rule() -> None:
    fake = fake_care_plans()
    patient_id = await fake.registered(NHS)
    with pytest.raises(FhirError) as refused:
        await _assign(fake, patient_id, "500001", cover=True)
    assert (refused.value.status, refused.value.issues[0].code) == (422, "business-rule")
    assert fake.assignments.records == {}


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
    [episode] = entries(episodes)
    assert episode["careManager"]["reference"] == "PractitionerRole/pr-100001"
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
    [handover] = entries(provenance)
    assert handover["entity"][0]["what"]["reference"] == "PractitionerRole/pr-200001"
    assert handover["agent"][1]["who"]["reference"] == "PractitionerRole/pr-200002"
    assert handover["reason"][0]["text"] == "moved team"
    # the old co-ordinator (another organisation) lost access, the new one has it
    old = care_plans.auth("care-coordinator", organisation=PRACTICE_B, user="200001")
    new = care_plans.auth("care-coordinator", organisation=PRACTICE_B, user="200002")
    assert await care_plans.status_of(f"/fhir/Patient/{patient_id}", old) == 404
    assert await care_plans.status_of(f"/fhir/Patient/{patient_id}", new) == 200


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
    teams = await care_plans.client.get(
        f"/fhir/CareTeam?patient:identifier={_nhs(nhs)}", headers=care_plans.auth()
    )
    [team] = entries(teams)
    assert len(_running(team)) == 1
    assert len(team["participant"]) == 20
    ended = await care_plans.events("carecoord.coordinator.ended.v1", f"Patient/{patient_id}")
    assert len(ended) == 19


def _nhs(nhs: str) -> str:
    return f"https://fhir.nhs.uk/Id/nhs-number|{nhs}"


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
    wrong_kind = assignment("600001", kind="chief")
    no_sds = {
        "resourceType": "Parameters",
        "parameter": good["parameter"][:1] + good["parameter"][2:],
    }
    bad_ref = assignment("600001")
    bad_ref["parameter"][0]["valueReference"]["reference"] = "Patient/x"
    bad_sds = assignment("600001")
    bad_sds["parameter"][1]["valueString"] = "not an SDS id"
    named = [
        ("kind", wrong_kind),
        ("sdsUserId", no_sds),
        ("sdsUserId", bad_sds),
        ("practitionerRole", bad_ref),
    ]
    for name, body in named:
        response = await care_plans.assign(patient_id, body)
        assert response.status_code == 400, (body, response.text)
        [issue] = response.json()["issue"]
        assert issue["expression"] == [f"Parameters.parameter.where(name='{name}')"]
    bad_date = assignment("600001", start="yesterday")
    for body in (bad_date, {"resourceType": "Patient"}):
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


async def test_assigning_is_post_only(care_plans: CarePlans) -> None:
    patient_id, _ = await care_plans.registered()
    response = await care_plans.client.get(
        f"/fhir/Patient/{patient_id}/$assign-coordinator", headers=care_plans.auth()
    )
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert outcome_codes(response) == ["not-supported"]
