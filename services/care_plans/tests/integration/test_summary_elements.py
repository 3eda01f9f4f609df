"""`_summary` and `_elements` (issue 14, item 1) on a real care plans search and read."""

from __future__ import annotations

from services.care_plans.tests.builders import NHS, care_plan
from services.care_plans.tests.conftest import CarePlans, entries

SUBSETTED = "SUBSETTED"


def _tagged(resource: dict[str, object]) -> bool:
    meta = resource["meta"]
    assert isinstance(meta, dict)
    return any(t.get("code") == SUBSETTED for t in meta.get("tag", []))


async def test_a_gp_lists_care_plans_in_summary(care_plans: CarePlans) -> None:
    _, nhs = await care_plans.registered()
    plan = await care_plans.post(care_plan(nhs))
    gp = care_plans.auth()
    query = f"/fhir/CarePlan?subject:identifier={NHS}|{nhs}"

    [summary] = entries(await care_plans.client.get(f"{query}&_summary=true", headers=gp))
    [chosen] = entries(await care_plans.client.get(f"{query}&_elements=title", headers=gp))
    [whole] = entries(await care_plans.client.get(query, headers=gp))

    assert summary["id"] == plan["id"]
    assert "text" in whole
    assert "text" not in summary
    assert _tagged(summary)
    assert {"status", "intent", "subject"} <= set(summary)
    assert set(chosen) <= {"resourceType", "id", "meta", "title", "status", "intent", "subject"}
    assert _tagged(chosen)
    assert not _tagged(whole)


async def test_reading_one_plan_in_part_and_bad_requests(care_plans: CarePlans) -> None:
    _, nhs = await care_plans.registered()
    plan = await care_plans.post(care_plan(nhs))
    gp = care_plans.auth()
    path = f"/fhir/CarePlan/{plan['id']}"

    text = await care_plans.client.get(f"{path}?_summary=text", headers=gp)
    both = await care_plans.client.get(
        f"/fhir/CarePlan?subject:identifier={NHS}|{nhs}&_summary=true&_elements=title", headers=gp
    )
    unknown = await care_plans.client.get(f"{path}?_elements=colour", headers=gp)

    assert text.status_code == 200
    assert set(text.json()) == {"resourceType", "id", "meta", "text", "status", "intent", "subject"}
    assert both.status_code == 400
    assert both.json()["issue"][0]["expression"] == ["_elements"]
    assert unknown.status_code == 400
