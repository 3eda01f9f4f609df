"""`$route` over HTTP on the real portal: routes, explains, refuses bad input, stores nothing."""

from __future__ import annotations

import pytest

from carecoord_devstack.testing import new_nhs_number
from services.portal.tests.front_door.conftest import Portal, output, parameters, plan_revised

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _stored(portal: Portal) -> int:
    return int(
        await portal.scalar(
            "SELECT count(*) FROM resource WHERE resource_type IN "
            "('Communication', 'CommunicationRequest', 'Task')"
        )
    )


async def test_a_woman_of_30_with_uti_symptoms_is_sent_to_an_open_pharmacy(portal: Portal) -> None:
    before = await _stored(portal)
    body = parameters(age=30, sex="female", answer=["uti-symptoms"])

    answer = await portal.client.post(
        "/fhir/$route", json=body, headers=portal.auth("gp", organisation="A81001")
    )

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert output(result, "route") == "pharmacy"
    assert output(result, "redFlag") is False
    assert output(result, "ruleId") == "pf-uti"
    assert "women aged 16 to 64" in output(result, "explanation")
    service = next(p for p in result["parameter"] if p["name"] == "service")["part"]
    assert {p["name"]: p.get("valueBoolean") for p in service}["openNow"] is True
    assert service[0]["resource"]["resourceType"] == "HealthcareService"
    assert await _stored(portal) == before


async def test_crushing_chest_pain_in_free_text_is_a_999_red_flag(portal: Portal) -> None:
    body = parameters(
        age=55, sex="male", answer=["other-problem"], text="crushing pain in my chest"
    )

    answer = await portal.client.post("/fhir/$route", json=body, headers=portal.auth("system"))

    assert answer.status_code == 200, answer.text
    assert output(answer.json(), "route") == "999"
    assert output(answer.json(), "redFlag") is True
    assert output(answer.json(), "flag") == "rf-chest-pain"


async def test_route_is_also_a_get_that_answers_as_the_post_does(portal: Portal) -> None:
    before = await _stored(portal)
    answer = await portal.client.get(
        "/fhir/$route?age=8&sex=male&answer=earache&text=it%20hurts", headers=portal.auth("system")
    )
    posted = await portal.client.post(
        "/fhir/$route",
        json=parameters(age=8, sex="male", answer=["earache"], text="it hurts"),
        headers=portal.auth("system"),
    )

    assert answer.status_code == 200, answer.text
    assert output(answer.json(), "route") == "pharmacy"
    assert posted.json() == answer.json()
    assert await _stored(portal) == before


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (parameters(age=30, sex="female", answer=["no-such-question"]), "answer"),
        (parameters(age=300, sex="female"), "age"),
        (parameters(age=30, sex="female", text="x" * 2001), "text"),
        (parameters(age=30, sex="robot"), "sex"),
        (parameters(sex="female"), "age"),
    ],
)
async def test_bad_input_is_refused_naming_the_parameter(
    portal: Portal, body: dict[str, object], where: str
) -> None:
    answer = await portal.client.post("/fhir/$route", json=body, headers=portal.auth("system"))

    assert answer.status_code == 400, answer.text
    issue = answer.json()["issue"][0]
    assert issue["expression"] == [f"Parameters.parameter.where(name='{where}')"]


async def test_patient_is_refused_with_someone_elses_token(portal: Portal) -> None:
    mine, theirs = new_nhs_number(), new_nhs_number()
    body = parameters(age=70, sex="male", answer=["breathing-worse-than-usual"], patient=theirs)

    as_other = await portal.client.post(
        "/fhir/$route", json=body, headers=portal.auth("patient", nhs_number=mine)
    )
    as_staff = await portal.client.post(
        "/fhir/$route", json=body, headers=portal.auth("gp", organisation="A81001")
    )

    assert as_other.status_code == 403
    assert as_staff.status_code == 403


async def test_patient_with_a_copd_rescue_pack_is_routed_by_their_own_plan(portal: Portal) -> None:
    nhs = new_nhs_number()
    await portal.deliver(
        "carecoord.careplan.revised.v1",
        nhs,
        plan_revised("COPD plan", description="Start your rescue pack when breathless"),
    )
    body = parameters(age=70, sex="male", answer=["breathing-worse-than-usual"], patient=nhs)

    answer = await portal.client.post(
        "/fhir/$route", json=body, headers=portal.auth("patient", nhs_number=nhs)
    )

    assert answer.status_code == 200, answer.text
    assert output(answer.json(), "route") == "own-plan"
    assert output(answer.json(), "byOwnPlan") is True
    assert output(answer.json(), "ruleId") == "plan-copd-rescue-pack"


async def test_route_is_declared_in_the_capability_statement(portal: Portal) -> None:
    metadata = (await portal.client.get("/fhir/metadata")).json()
    definition = await portal.client.get("/fhir/OperationDefinition")

    route_url = "https://fhir.carecoord.example/OperationDefinition/route"
    declared = {o["name"]: o["definition"] for o in metadata["rest"][0]["operation"]}
    assert declared["route"] == route_url
    assert route_url in {e["resource"]["url"] for e in definition.json()["entry"]}


async def test_metrics_count_routes_and_red_flags(portal: Portal) -> None:
    await portal.client.post(
        "/fhir/$route",
        json=parameters(age=30, sex="female", answer=["fit"]),
        headers=portal.auth("system"),
    )

    metrics = (await portal.client.get("/metrics")).text

    assert 'portal_front_door_routes_total{route="999"}' in metrics
    assert 'portal_front_door_red_flags_total{route="999",via="answer"}' in metrics
