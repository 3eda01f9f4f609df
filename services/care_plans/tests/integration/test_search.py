"""Search as a GP-system vendor relies on it (issue 14): what the service cannot search
by is refused, never dropped (a dropped `subject` filter once showed another patient's
plan), unless the client opts into lenient handling; the standard parameters a vendor
expects are there."""

from __future__ import annotations

import orjson

from services.care_plans.tests.builders import NHS, care_plan, patient
from services.care_plans.tests.conftest import CarePlans, entries, new_nhs_number


async def test_unknown_search_parameter_is_refused_not_dropped(care_plans: CarePlans) -> None:
    _, mine = await care_plans.registered()
    _, theirs = await care_plans.registered()
    my_plan = await care_plans.post(care_plan(mine))
    await care_plans.post(care_plan(theirs))
    gp = care_plans.auth()
    by_subject = await care_plans.client.get(
        f"/fhir/CarePlan?subject:identifier={NHS}|{mine}", headers=gp
    )
    assert [plan["id"] for plan in entries(by_subject)] == [my_plan["id"]]
    for unsupported in (
        f"subjet:identifier={NHS}|{mine}",  # a typo
        f"subject.identifier={NHS}|{mine}",  # a chain
        f"_has:Goal:subject:status={mine}",
        "subject:above=Patient/x",  # a modifier references do not take here
    ):
        refused = await care_plans.client.get(f"/fhir/CarePlan?{unsupported}", headers=gp)
        assert refused.status_code == 400, (unsupported, refused.text)
        [issue] = refused.json()["issue"]
        assert issue["expression"] == [unsupported.split("=", 1)[0]]
    lenient = gp | {"Prefer": "handling=lenient"}
    dropped = await care_plans.client.get(
        f"/fhir/CarePlan?subjet:identifier={NHS}|{mine}", headers=lenient
    )
    assert dropped.status_code == 200
    outcome = dropped.json()["entry"][-1]
    assert outcome["search"]["mode"] == "outcome"
    assert outcome["resource"]["issue"][0]["severity"] == "warning"


async def test_the_standard_parameters_a_vendor_expects(care_plans: CarePlans) -> None:
    nhs = new_nhs_number()
    body = patient(nhs, birthDate="1931-02-03", gender="female")
    body["name"] = [{"family": "Quillfeather", "given": ["Ottilie"]}]
    created = await care_plans.post(body, role="system")
    gp = care_plans.auth()
    for query in (
        "family=Quillfeather&given=Ottilie",
        "birthdate=1931-02-03&gender=female",
        "name=quillfeather",
    ):
        found = await care_plans.client.get(f"/fhir/Patient?{query}", headers=gp)
        assert [p["id"] for p in entries(found)] == [created["id"]], query
    other = await care_plans.client.get("/fhir/Patient?family=Quillfeather&gender=male", headers=gp)
    assert entries(other) == []
    task = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "plan",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "710925007"}]},
        "for": {"reference": f"Patient/{created['id']}"},
    }
    stored = await care_plans.post(task)
    found = await care_plans.client.get(
        "/fhir/Task?code=http://snomed.info/sct|710925007", headers=gp
    )
    assert [t["id"] for t in entries(found)] == [stored["id"]]
    assert stored["for"]["identifier"] == {"system": NHS, "value": nhs}
    metadata = orjson.loads((await care_plans.client.get("/fhir/metadata")).content)
    params = {
        r["type"]: {p["name"] for p in r.get("searchParam", [])}
        for r in metadata["rest"][0]["resource"]
    }
    assert {"subject", "patient"} <= params["CarePlan"]
    assert {"gender", "given", "family", "birthdate"} <= params["Patient"]
    assert "code" in params["Task"]
