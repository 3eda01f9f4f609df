"""The MDT service as a GP-system vendor drives it: fhirpy and fhirclient over real HTTP.

A practice's system sets up its locality MDT once (a conditional create that does not
duplicate), changes it only with the version it read, nominates patients through
`$nominate` (fhirpy's `execute`), and pages through the MDT's case worklist; the
wrong-patient search (a chain on the case Tasks' patient) is refused with 400.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from fhirclient.models.careteam import CareTeam  # type: ignore[import-untyped]
from fhirclient.models.task import Task  # type: ignore[import-untyped]
from fhirpy.base.exceptions import OperationOutcome

from tests.access.bodies import NHS, ODS, P1
from tests.vendor.live import Live, blocking, refused_issue

ROOT = "https://fhir.carecoord.example"
SDS = "https://fhir.nhs.uk/Id/sds-user-id"
LOCAL_ID = "https://gp-system.example/Id/mdt"
CHAIR = "sds-chair-1"


def an_mdt(local: str) -> dict[str, Any]:
    membership = f"{ROOT}/CodeSystem/mdt-membership"
    return {
        "resourceType": "CareTeam",
        "identifier": [{"system": LOCAL_ID, "value": local}],
        "status": "active",
        "name": f"North locality MDT {local}",
        "category": [{"coding": [{"system": f"{ROOT}/CodeSystem/mdt", "code": "mdt-locality"}]}],
        "extension": [{"url": f"{ROOT}/StructureDefinition/mdt-locality", "valueString": "north"}],
        "managingOrganization": [{"identifier": {"system": ODS, "value": P1}}],
        "participant": [
            {
                "member": {"identifier": {"system": SDS, "value": CHAIR}, "display": "GP"},
                "role": [
                    {
                        "coding": [
                            {"system": membership, "code": "core"},
                            {"system": membership, "code": "chair"},
                        ],
                        "text": "GP",
                    }
                ],
            }
        ],
    }


def nomination(nhs: str) -> dict[str, Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "patient", "valueIdentifier": {"system": NHS, "value": nhs}},
            {"name": "reason", "valueString": "Falls and carer strain"},
            {"name": "urgency", "valueCode": "routine"},
        ],
    }


@pytest.fixture
async def mdt(services: Any) -> Live:
    live: Live = await services.get("mdt")
    return live


async def test_fhirpy_sets_up_an_mdt_once_and_changes_it_with_if_match(mdt: Live) -> None:
    token = mdt.token("gp", user=CHAIR)
    once = mdt.fhirpy(token, **{"If-None-Exist": f"identifier={LOCAL_ID}|fp-once"})
    first = await once.resource("CareTeam", **an_mdt("fp-once")).save()
    again = await once.resource("CareTeam", **an_mdt("fp-once")).save()

    at_v1 = mdt.fhirpy(token, **{"If-Match": 'W/"1"'})
    await at_v1.resource("CareTeam", **(an_mdt("fp-once") | {"id": first.id, "name": "N"})).save()
    teams = mdt.fhirpy(token).resources("CareTeam").search(identifier=f"{LOCAL_ID}|fp-once")
    found = await teams.fetch_all()

    assert again.id == first.id
    assert [(t.id, t["meta"]["versionId"], t["name"]) for t in found] == [(first.id, "2", "N")]


async def test_fhirpy_nominates_and_pages_the_case_worklist(mdt: Live) -> None:
    token = mdt.token("gp", user=CHAIR)
    client = mdt.fhirpy(token)
    team = await client.resource("CareTeam", **an_mdt("fp-cases")).save()
    patients = [await mdt.patient() for _ in range(3)]
    for nhs in patients:
        case = await client.reference("CareTeam", team.id).execute(
            "$nominate", data=nomination(nhs)
        )
        assert case["resourceType"] == "Task"

    worklist = client.resources("Task").search(owner=f"CareTeam/{team.id}").limit(2)
    cases = await worklist.fetch_all()
    first = {"patient:identifier": f"{NHS}|{patients[0]}"}
    theirs = await client.resources("Task").search(**first, owner=f"CareTeam/{team.id}").fetch()
    with pytest.raises(OperationOutcome) as refused:
        await client.resources("Task").search(patient__identifier=f"{NHS}|{patients[0]}").fetch()

    assert len(await worklist.fetch()) == 2
    assert sorted(c["for"]["identifier"]["value"] for c in cases) == sorted(patients)
    assert [t["for"]["identifier"]["value"] for t in theirs] == [patients[0]]
    assert refused_issue(refused.value)[1]["expression"] == ["patient.identifier"]


async def test_fhirclient_sets_up_pages_and_is_refused_a_chain(mdt: Live) -> None:
    server = mdt.fhirclient(mdt.token("gp", user=CHAIR))
    server.session.headers["If-None-Exist"] = f"identifier={LOCAL_ID}|fc-once"
    made = [await blocking(CareTeam(an_mdt("fc-once")).create, server) for _ in "ab"]
    del server.session.headers["If-None-Exist"]
    team = await blocking(CareTeam.read, made[0]["id"], server)
    team.name = "North MDT (renamed)"
    server.session.headers["If-Match"] = 'W/"1"'
    await blocking(team.update, server)
    with pytest.raises(requests.HTTPError) as stale:
        await blocking(team.update, server)
    del server.session.headers["If-Match"]
    for nhs in [await mdt.patient() for _ in range(3)]:
        await blocking(server.post_json, f"CareTeam/{team.id}/$nominate", nomination(nhs))

    search = Task.where({"owner": f"CareTeam/{team.id}", "_count": "2"})
    bundles = await blocking(lambda: list(search.perform_iter(server)))
    chain = Task.where({"patient.identifier": f"{NHS}|9990000018"})
    with pytest.raises(requests.HTTPError) as refused:
        await blocking(lambda: list(chain.perform_resources_iter(server)))

    assert made[0]["id"] == made[1]["id"]
    assert refused_issue(stale.value)[0] == 412
    assert [len(b.entry) for b in bundles] == [2, 1]
    assert refused_issue(refused.value)[0] == 400
