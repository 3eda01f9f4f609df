"""Care plans as a GP-system vendor drives it: fhirpy and fhirclient over real HTTP.

The demographics feed puts the patient on the register (a conditional create that does
not duplicate); the GP's system finds the patient's plan by supported parameters (by
NHS number or by the register's Patient), updates it only with `If-Match` (care plans
require it: 428 without), pages through a plan's activities and adds one
conditionally; a named care co-ordinator finds and edits the plan once assigned, and
no other co-ordinator finds it; the wrong-patient searches of issue 14 are refused
with 400, including fhirpy's own keyword spelling, which makes a chain
(`subject__identifier=` is sent as `subject.identifier=`, the very search that
returned another patient's plan).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from fhirclient.models.careplan import CarePlan  # type: ignore[import-untyped]
from fhirclient.models.patient import Patient  # type: ignore[import-untyped]
from fhirclient.models.task import Task  # type: ignore[import-untyped]
from fhirpy.base.exceptions import OperationOutcome

from care_plans.fhir.vocabulary import PLAN_KIND_SYSTEM
from tests.access.bodies import NHS, ODS, P1
from tests.vendor.live import Live, blocking, refused_issue

LOCAL_ID = "https://gp-system.example/Id/activity"


def subject(nhs: str) -> dict[str, Any]:
    return {"identifier": {"system": NHS, "value": nhs}}


def patient(nhs: str) -> dict[str, Any]:
    """The register's entry, as the demographics feed sends it."""
    return {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": nhs}],
        "name": [{"family": "Vendor", "given": ["Val"]}],
        "generalPractitioner": [{"identifier": {"system": ODS, "value": P1}}],
    }


def care_plan(nhs: str) -> dict[str, Any]:
    return {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "title": "My care and support plan",
        "category": [{"coding": [{"system": PLAN_KIND_SYSTEM, "code": "comprehensive"}]}],
        "subject": subject(nhs),
        "period": {"start": "2026-01-05"},
    }


def activity(nhs: str, plan_id: str, local: str) -> dict[str, Any]:
    return {
        "resourceType": "Task",
        "identifier": [{"system": LOCAL_ID, "value": local}],
        "status": "requested",
        "intent": "plan",
        "description": f"Activity {local}",
        "for": subject(nhs),
        "focus": {"reference": f"CarePlan/{plan_id}"},
    }


def assignment(sds: str) -> dict[str, Any]:
    """`$assign-coordinator`'s Parameters: a named care co-ordinator from a trust."""
    role = {"reference": f"PractitionerRole/pr-{sds}", "display": f"Nurse {sds}"}
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "practitionerRole", "valueReference": role},
            {"name": "sdsUserId", "valueString": sds},
            {"name": "kind", "valueCode": "named-care-coordinator"},
            {"name": "reason", "valueString": "new to the LTC register"},
        ],
    }


def by_nhs(nhs: str) -> dict[str, str]:
    return {"patient:identifier": f"{NHS}|{nhs}"}


@pytest.fixture
async def care_plans(services: Any) -> Live:
    live: Live = await services.get("care_plans")
    return live


def feed(live: Live) -> str:
    """The demographics feed: a system client with an agreement over every practice."""
    return live.token("system", organisation=None, user="demographics-feed", agreement="*")


async def test_fhirpy_finds_the_patients_plan_by_supported_parameters(care_plans: Live) -> None:
    a, b = await care_plans.patient(), await care_plans.patient()
    registered = care_plans.fhirpy(feed(care_plans), **{"If-None-Exist": f"identifier={NHS}|{a}"})
    first = await registered.resource("Patient", **patient(a)).save()
    again = await registered.resource("Patient", **patient(a)).save()
    gp = care_plans.fhirpy(care_plans.token("gp", user="sds-gp-1"))
    by_register = care_plan(a) | {"subject": {"reference": f"Patient/{first.id}"}}
    plans = {a: await gp.resource("CarePlan", **by_register).save()}
    plans[b] = await gp.resource("CarePlan", **care_plan(b)).save()

    by_identifier = await gp.resources("CarePlan").search(**by_nhs(a), status="active").first()
    by_reference = await gp.resources("CarePlan").search(subject=f"Patient/{first.id}").fetch()
    with pytest.raises(OperationOutcome) as refused:
        await gp.resources("CarePlan").search(subject__identifier=f"{NHS}|{a}").fetch()

    assert again.id == first.id
    assert by_identifier is not None
    assert by_identifier.id == plans[a].id
    assert [p.id for p in by_reference] == [plans[a].id]
    assert refused_issue(refused.value)[1]["expression"] == ["subject.identifier"]


async def test_fhirpy_updates_a_plan_only_with_if_match(care_plans: Live) -> None:
    nhs = await care_plans.patient()
    token = care_plans.token("gp", user="sds-gp-1")
    plan = await care_plans.fhirpy(token).resource("CarePlan", **care_plan(nhs)).save()

    plan["description"] = "Walk daily"
    with pytest.raises(OperationOutcome) as unconditional:  # fhirpy's save sends no If-Match
        await plan.save()
    read: dict[str, Any] = plan.serialize()  # type: ignore[no-untyped-call]
    editing = care_plans.fhirpy(token, **{"If-Match": f'W/"{plan["meta"]["versionId"]}"'})
    saved = await editing.resource("CarePlan", **read).save()

    assert refused_issue(unconditional.value)[1]["code"] == "required"
    assert (saved["meta"]["versionId"], saved["description"]) == ("2", "Walk daily")


async def test_fhirpy_pages_activities_and_adds_one_conditionally(care_plans: Live) -> None:
    nhs = await care_plans.patient()
    gp = care_plans.fhirpy(care_plans.token("gp", user="sds-gp-1"))
    plan = await gp.resource("CarePlan", **care_plan(nhs)).save()
    once = care_plans.fhirpy(
        care_plans.token("gp", user="sds-gp-1"), **{"If-None-Exist": f"identifier={LOCAL_ID}|x"}
    )
    twice = [await once.resource("Task", **activity(nhs, plan.id, "x")).save() for _ in "ab"]
    for n in range(4):
        await gp.resource("Task", **activity(nhs, plan.id, f"fp-{n}")).save()

    pages = gp.resources("Task").search(focus=f"CarePlan/{plan.id}").limit(2)
    every = await pages.fetch_all()

    assert twice[0].id == twice[1].id
    assert len(await pages.fetch()) == 2
    assert len(every) == 5
    assert {t["identifier"][0]["value"] for t in every} == {"x", "fp-0", "fp-1", "fp-2", "fp-3"}


async def test_fhirclient_reads_updates_with_if_match_and_pages(care_plans: Live) -> None:
    nhs = await care_plans.patient()
    server = care_plans.fhirclient(care_plans.token("gp", user="sds-gp-1"))
    created = await blocking(CarePlan(care_plan(nhs)).create, server)
    for n in range(3):
        await blocking(Task(activity(nhs, created["id"], f"fc-{n}")).create, server)

    found = await blocking(lambda: list(CarePlan.where(by_nhs(nhs)).perform_resources_iter(server)))
    plan = found[0]
    plan.description = "Swim weekly"
    with pytest.raises(requests.HTTPError) as unconditional:
        await blocking(plan.update, server)
    server.session.headers["If-Match"] = f'W/"{plan.meta.versionId}"'
    await blocking(plan.update, server)
    del server.session.headers["If-Match"]
    search = Task.where({"focus": f"CarePlan/{plan.id}", "_count": "2"})
    bundles = await blocking(lambda: list(search.perform_iter(server)))
    stored = await blocking(CarePlan.read, plan.id, server)

    assert [p.id for p in found] == [created["id"]]
    assert refused_issue(unconditional.value)[0] == 428
    assert (stored.meta.versionId, stored.description) == ("2", "Swim weekly")
    assert [len(b.entry) for b in bundles] == [2, 1]


async def test_fhirclient_registers_once_and_a_wrong_patient_search_is_400(
    care_plans: Live,
) -> None:
    nhs = await care_plans.patient()
    server = care_plans.fhirclient(feed(care_plans))
    server.session.headers["If-None-Exist"] = f"identifier={NHS}|{nhs}"
    made = [await blocking(Patient(patient(nhs)).create, server) for _ in "ab"]
    del server.session.headers["If-None-Exist"]
    gp = care_plans.fhirclient(care_plans.token("gp", user="sds-gp-1"))
    search = CarePlan.where({"subject.identifier": f"{NHS}|{nhs}"})

    with pytest.raises(requests.HTTPError) as refused:
        await blocking(lambda: list(search.perform_resources_iter(gp)))
    found = await blocking(
        lambda: list(Patient.where({"identifier": f"{NHS}|{nhs}"}).perform_resources_iter(gp))
    )

    assert made[0]["id"] == made[1]["id"]
    assert [p.id for p in found] == [made[0]["id"]]
    status, issue = refused_issue(refused.value)
    assert (status, issue["expression"]) == (400, ["subject.identifier"])


async def test_fhirpy_named_coordinator_finds_and_edits_the_plan(care_plans: Live) -> None:
    nhs = await care_plans.patient()
    registered = (
        await care_plans.fhirpy(feed(care_plans)).resource("Patient", **patient(nhs)).save()
    )
    gp = care_plans.fhirpy(care_plans.token("gp", user="sds-gp-1"))
    plan = await gp.resource("CarePlan", **care_plan(nhs)).save()
    await gp.reference("Patient", registered.id).execute(
        "$assign-coordinator", data=assignment("800001")
    )

    def coordinator(sds: str, **headers: str) -> Any:
        token = care_plans.token("care-coordinator", organisation="RXX01", user=sds)
        return care_plans.fhirpy(token, **headers)

    named = await coordinator("800001").resources("CarePlan").search(**by_nhs(nhs)).fetch_all()
    other = await coordinator("800002").resources("CarePlan").search(**by_nhs(nhs)).fetch_all()
    edit = named[0].serialize() | {"note": [{"text": "Seen in respiratory clinic"}]}
    saved = await coordinator("800001", **{"If-Match": 'W/"1"'}).resource("CarePlan", **edit).save()

    assert [p.id for p in named] == [plan.id]
    assert other == []
    assert (saved["meta"]["versionId"], saved["note"][0]["text"]) == ("2", edit["note"][0]["text"])
