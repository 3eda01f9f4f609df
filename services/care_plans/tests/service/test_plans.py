"""CarePlan, Goal and Task writes: one active comprehensive plan per patient, the plan
index kept, `careplan.revised` announced with its contributor, and a Provenance for
every contribution whatever the contributor's own scopes."""

from __future__ import annotations

import pytest

from care_plans.domain.event_types import PLAN_REVISED
from carecoord_shared.fhir.outcome import FhirError
from carecoord_shared.fhir.registry import Write
from services.care_plans.tests.builders import DIABETES, PRACTICE_A, care_plan
from services.care_plans.tests.units import fake_care_plans, staff

NHS = "9990000018"


async def test_a_revised_plan_says_who_and_when_it_is_due() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS, DIABETES)
    plan = await fake.write(care_plan(NHS, reviewed="2026-01-10"), staff())
    [revised] = fake.events(PLAN_REVISED)
    assert revised["carePlan"] == f"CarePlan/{plan['id']}"
    assert revised["nextReviewDue"] == "2026-07-10"  # diabetes: 6-monthly
    assert revised["contributor"] == {"organisation": PRACTICE_A, "user": "dev-gp"}
    assert fake.plans.plans[plan["id"]].facts.comprehensive


async def test_a_second_active_comprehensive_plan_is_a_conflict() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS)
    await fake.write(care_plan(NHS))
    with pytest.raises(FhirError) as refused:
        await fake.write(care_plan(NHS))
    assert (refused.value.status, refused.value.issues[0].code) == (409, "conflict")
    await fake.write(care_plan(NHS, comprehensive=False))


async def test_every_contribution_has_provenance_by_its_author() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS)
    coordinator = staff("care-coordinator")
    goal = {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "description": {"text": "Walk to the park"},
        "subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}},
    }
    written = await fake.write(goal, coordinator)
    found = await fake.tx.search("Provenance", [("target", f"Goal/{written['id']}")])
    [provenance] = [p.as_json() for p in found.matches]
    assert provenance["agent"][0]["who"]["identifier"]["value"] == "dev-care-coordinator"
    assert provenance["activity"]["coding"][0]["code"] == "CREATE"
    assert fake.tx.authorised is False  # Provenance was written by the service, then put back


async def test_deleting_a_plan_forgets_it() -> None:
    fake = fake_care_plans()
    await fake.registered(NHS)
    plan = await fake.write(care_plan(NHS))
    await fake.acting_as(staff()).write(Write("delete", "CarePlan", plan["id"], None))
    assert fake.plans.plans == {}
    await fake.write(care_plan(NHS))  # a new comprehensive plan is welcome
