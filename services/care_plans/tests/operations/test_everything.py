"""`Patient/{id}/$everything`: what this service holds about one patient, to those who
may see them, within their scopes, audited, by GET and POST alike."""

from __future__ import annotations

from services.care_plans.tests.builders import DIABETES, PRACTICE_B, assignment, care_plan
from services.care_plans.tests.conftest import CarePlans, entries


async def test_everything_is_the_patients_record_here_and_nobody_elses(
    care_plans: CarePlans,
) -> None:
    patient_id, nhs = await care_plans.registered(conditions=(DIABETES,))
    _, someone_else = await care_plans.registered()
    await care_plans.post(care_plan(someone_else))
    await care_plans.assign(patient_id, assignment("810001"))
    plan = await care_plans.post(care_plan(nhs))
    url = f"/fhir/Patient/{patient_id}/$everything"
    response = await care_plans.client.get(url, headers=care_plans.auth())
    found = entries(response)
    assert response.json()["total"] == len(found)
    kinds = sorted(r["resourceType"] for r in found)
    # the Patient, its Condition, its plan and the plan's Provenance, the co-ordination
    assert kinds == [
        "CarePlan",
        "CareTeam",
        "Condition",
        "EpisodeOfCare",
        "Patient",
        "Provenance",
    ]
    assert (
        found[0]
        == (
            await care_plans.client.get(f"/fhir/Patient/{patient_id}", headers=care_plans.auth())
        ).json()
    )
    assert plan["id"] in {r["id"] for r in found}
    assert all(e["fullUrl"].startswith("http") for e in response.json()["entry"])
    audited = await care_plans.audit(f"Patient/{patient_id}/$everything")
    assert audited == [("E", "0", "dev-gp", nhs)]


async def test_everything_is_refused_like_a_read_and_limited_by_scope(
    care_plans: CarePlans,
) -> None:
    patient_id, nhs = await care_plans.registered(conditions=(DIABETES,))
    await care_plans.post(care_plan(nhs))
    url = f"/fhir/Patient/{patient_id}/$everything"
    other_gp = care_plans.auth(organisation=PRACTICE_B)
    assert (await care_plans.client.get(url, headers=other_gp)).status_code == 404
    reads = await care_plans.audit(f"Patient/{patient_id}")
    assert [row for row in reads if row[1] == "4"] == [("R", "4", "dev-gp", nhs)]
    narrow = care_plans.auth(scopes="user/Patient.rs user/CarePlan.rs")
    kinds = sorted(
        r["resourceType"] for r in entries(await care_plans.client.get(url, headers=narrow))
    )
    assert kinds == ["CarePlan", "Patient"]
    mine = care_plans.auth("patient", organisation=None, nhs_number=nhs)
    own = entries(await care_plans.client.get(url, headers=mine))
    assert sorted(r["resourceType"] for r in own) == [
        "CarePlan",
        "Condition",
        "Patient",
        "Provenance",
    ]


async def test_get_and_post_answer_alike(care_plans: CarePlans) -> None:
    patient_id, _ = await care_plans.registered()
    by_get, by_post = await care_plans.by_get_and_post(
        f"/fhir/Patient/{patient_id}/$everything", []
    )
    assert by_get.status_code == by_post.status_code == 200
    assert entries(by_get) == entries(by_post)
