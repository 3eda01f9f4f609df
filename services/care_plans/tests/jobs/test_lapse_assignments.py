"""The lapse job: cover ends by itself when its period runs out (recorded, announced,
the CareTeam rebuilt), once, and the named co-ordinator is untouched."""

from __future__ import annotations

from datetime import datetime, timedelta

from care_plans.domain.coordination import Assignment, Coordinator
from care_plans.domain.event_types import COORDINATOR_ENDED
from care_plans.jobs.lapse_assignments import JOB
from care_plans.service.coordinators import assign_coordinator
from services.care_plans.tests.builders import PRACTICE_B, assignment, cover_that_ended
from services.care_plans.tests.conftest import CarePlans
from services.care_plans.tests.units import NOW, fake_care_plans, job_call, staff


def _cover(sds: str, start: datetime, end: datetime) -> Assignment:
    who = Coordinator(f"PractitionerRole/pr-{sds}", f"Nurse {sds}", sds, None)
    return Assignment(who, "named-care-coordinator", start, end, True, "annual leave")


async def test_cover_lapses_once_and_leaves_the_coordinator() -> None:
    fake = fake_care_plans()
    patient_id = await fake.registered("9990000018")
    tx = fake.acting_as(staff())
    named = Coordinator("PractitionerRole/pr-1", "Nurse 1", "400001", None)
    await assign_coordinator(
        tx, patient_id, Assignment(named, "key-worker", NOW, None, False, "new"), NOW
    )
    cover = _cover("400002", NOW - timedelta(days=7), NOW - timedelta(minutes=1))
    await assign_coordinator(tx, patient_id, cover, NOW)
    assert await JOB.run(job_call(fake)) == 1
    assert await JOB.run(job_call(fake)) == 0
    [ended] = fake.events(COORDINATOR_ENDED)
    assert (ended["coordinator"]["sdsUserId"], ended["reason"]) == ("400002", "cover period ended")
    [still] = [r for r in fake.assignments.records.values() if r.running]
    assert still.coordinator.sds_user_id == "400001"
    team = (await fake.tx.search("CareTeam", [])).matches[0].as_json()
    assert {p["period"].get("end") for p in team["participant"]} == {
        None,
        (NOW - timedelta(minutes=1)).isoformat().replace("+00:00", "Z"),
    }


async def test_cover_runs_beside_the_coordinator_and_ends_by_itself(care_plans: CarePlans) -> None:
    patient_id, nhs = await care_plans.registered()
    await care_plans.assign(patient_id, assignment("400001"))
    cover = cover_that_ended("400002", days=7, reason="annual leave")
    response = await care_plans.assign(patient_id, cover)
    assert response.status_code == 200, response.text
    # the cover's access already ended with its period, whatever the clock job does
    covering = care_plans.auth("care-coordinator", organisation=PRACTICE_B, user="400002")
    assert await care_plans.status_of(f"/fhir/Patient/{patient_id}", covering) == 404
    report = await care_plans.housekeep()
    assert report[JOB.name] >= 1
    ended = await care_plans.events(COORDINATOR_ENDED, f"Patient/{patient_id}")
    assert [(e["coordinator"]["sdsUserId"], e["reason"]) for e in ended] == [
        ("400002", "cover period ended")
    ]
    # the named co-ordinator is untouched, and a second run changes nothing
    again = await care_plans.housekeep()
    assert again[JOB.name] == 0
    running = await care_plans.scalar(
        "select sds_user_id from coordinator_assignment"
        " where patient_nhs = :n and ended_at is null",
        n=nhs,
    )
    assert running == "400001"
