"""Feedback after an answered request, and the weekly MeasureReport per pathway."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.portal.tests.front_door.conftest import Portal
from services.portal.tests.front_door.test_threads import _asks, _post

pytestmark = pytest.mark.asyncio(loop_scope="session")

FEEDBACK = "https://carecoord.example/front-door/feedback"
RESPONSE = "QuestionnaireResponse"


async def _answered(portal: Portal, practice: str) -> tuple[str, str]:
    """A P9 patient of `practice` whose GP request the team has answered."""
    nhs, request_id = await _asks(portal, "Is my new tablet safe with my inhaler?", practice)
    await portal.sign_in_staff("gp", practice)
    path = f"/duty/requests/{request_id}"
    assert await _post(portal, path, message="Yes, it is safe.", answers="yes") == 303
    await portal.sign_in("P9", nhs)
    return nhs, request_id


async def _report(portal: Portal, practice: str, week: str = "2026-W49") -> Any:
    return await portal.client.get(
        f"/fhir/$feedback-report?week={week}", headers=portal.auth("gp", organisation=practice)
    )


def _practice() -> str:
    return f"F{uuid.uuid4().hex[:5].upper()}"


async def test_feedback_after_an_answer_is_kept_once_and_counted_in_the_weekly_report(
    portal: Portal,
) -> None:
    practice = _practice()
    nhs, request_id = await _answered(portal, practice)
    page = await portal.client.get(f"/my/requests/{request_id}")
    assert "How helpful was the answer you got?" in page.text
    feedback = f"/my/requests/{request_id}/feedback"

    first = await _post(portal, feedback, helpful="5", comment="Quick and clear")
    again = await _post(portal, feedback, helpful="1")
    other_nhs, other_request = await _answered(portal, practice)
    other = await _post(portal, f"/my/requests/{other_request}/feedback", helpful="2")
    report = await _report(portal, practice)

    assert (first, again, other) == (303, 303, 303)
    assert (await portal.stored(RESPONSE, nhs), await portal.stored(RESPONSE, other_nhs)) == (1, 1)
    after = await portal.client.get(f"/my/requests/{other_request}?feedback=thanks")
    assert "How helpful was the answer you got?" not in after.text
    assert "Thank you for your feedback." in after.text
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["resourceType"] == "MeasureReport"
    assert body["period"]["start"].startswith("2026-11-30T00:00:00")
    [group] = body["group"]
    assert group["code"]["coding"][0]["code"] == "gp"
    assert [p["count"] for p in group["population"]] == [2, 2, 1]
    assert group["measureScore"]["value"] == 0.5
    week = [{"name": "week", "valueString": "2026-W49"}]
    posted = await portal.client.post(
        "/fhir/$feedback-report",
        json={"resourceType": "Parameters", "parameter": week},
        headers=portal.auth("gp", organisation=practice),
    )
    assert posted.status_code == 200, posted.text
    assert {**posted.json(), "id": None} == {**body, "id": None}  # POST answers as GET does
    questionnaire = await portal.client.get(
        f"/fhir/Questionnaire?url={FEEDBACK.replace('feedback', 'Questionnaire/feedback')}",
        headers=portal.auth("gp", organisation=practice),
    )
    assert [e["resource"]["title"] for e in questionnaire.json()["entry"]] == [
        "How helpful was the answer you got?"
    ]


async def test_feedback_before_the_answer_or_on_anothers_request_is_refused(
    portal: Portal,
) -> None:
    nhs, open_request = await _asks(portal, "Still waiting", _practice())
    early = await _post(portal, f"/my/requests/{open_request}/feedback", helpful="4")
    bad = await _post(portal, f"/my/requests/{open_request}/feedback", helpful="9")
    _, answered = await _answered(portal, _practice())
    await portal.sign_in("P9", nhs)
    not_theirs = await _post(portal, f"/my/requests/{answered}/feedback", helpful="4")

    assert (early, bad, not_theirs) == (409, 400, 404)
    assert await portal.stored(RESPONSE, nhs) == 0


async def test_the_report_shows_only_the_callers_patients_and_refuses_a_bad_week(
    portal: Portal,
) -> None:
    practice = _practice()
    _, request_id = await _answered(portal, practice)
    assert await _post(portal, f"/my/requests/{request_id}/feedback", helpful="4") == 303

    elsewhere = await _report(portal, _practice())
    bad_week = await _report(portal, practice, "2026-W60")
    next_week = await _report(portal, practice, "2026-W50")

    for empty in (elsewhere, next_week):  # no answers: no group at all, never an empty list
        assert (empty.status_code, empty.json()["resourceType"]) == (200, "MeasureReport")
        assert "group" not in empty.json()
    assert bad_week.status_code == 400
    assert bad_week.json()["resourceType"] == "OperationOutcome"
