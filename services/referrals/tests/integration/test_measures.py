"""The Measures referrals' MeasureReports name are served (issue 14, item 6).

`$response-report` names `Measure/response-time` by canonical URL and
`$avoided-conveyance` names `Measure/avoided-conveyance`; the service writes both at
start-up, so a client (and the validator) resolves `MeasureReport.measure` by searching
`Measure?url=`; they are read-only and written once however often the service starts.
"""

from __future__ import annotations

from referrals.fhir.measure_definitions import define_measures
from services.referrals.tests.conftest import Referrals


async def test_a_response_report_names_a_measure_the_service_serves(referrals: Referrals) -> None:
    report = await referrals.client.get(
        f"/fhir/HealthcareService/{referrals.default_service}/$response-report",
        headers=referrals.auth(),
    )
    assert report.status_code == 200, report.text
    found = await referrals.client.get(
        "/fhir/Measure", params={"url": report.json()["measure"]}, headers=referrals.auth()
    )
    assert found.status_code == 200, found.text
    [entry] = found.json()["entry"]
    assert entry["resource"]["id"] == "response-time"
    assert entry["resource"]["status"] == "active"
    assert entry["resource"]["text"]["status"] == "generated"


async def test_both_measures_are_read_only_and_written_once(referrals: Referrals) -> None:
    conveyance = await referrals.client.get(
        "/fhir/Measure/avoided-conveyance", headers=referrals.auth()
    )
    assert conveyance.status_code == 200, conveyance.text
    assert conveyance.json()["url"].endswith("/Measure/avoided-conveyance")
    await define_measures(referrals.app.state.fhir, None)  # a second start
    again = await referrals.client.get("/fhir/Measure/avoided-conveyance", headers=referrals.auth())
    assert again.json()["meta"]["versionId"] == "1"
    refused = await referrals.client.put(
        "/fhir/Measure/avoided-conveyance",
        json=conveyance.json(),
        headers=referrals.write_headers(),
    )
    assert refused.status_code == 405
