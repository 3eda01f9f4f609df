"""Feedback along the pathway: after an A&G answer, a referral accepted and an MDT outcome.

Referrals' and mdt's events are applied through the front door's own consumers (as the
worker does, on the real database); the P9 patient is asked on `/my/plan`, answers once,
and the answer is counted in the weekly MeasureReport under its pathway.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from services.portal.tests.front_door.conftest import Portal

pytestmark = pytest.mark.asyncio(loop_scope="session")

TRIAGED, OUTCOME = "carecoord.referral.triaged.v1", "carecoord.mdt.outcome-recorded.v1"
PATHWAYS = "https://carecoord.example/front-door/CodeSystem/pathway"
_QUESTION = re.compile(r'action="/my/feedback/([^"]+)"')


async def _closed(portal: Portal, event_type: str, nhs: str, **data: Any) -> None:
    await portal.deliver(event_type, nhs, data)


def _advice(outcome: str = "advice-given") -> dict[str, Any]:
    request = f"ServiceRequest/{uuid.uuid4().hex[:10]}"
    return {"serviceRequest": request, "ubrn": "000000000001", "outcome": outcome}


async def _questions(portal: Portal) -> list[str]:
    page = await portal.client.get("/my/plan")
    assert page.status_code == 200, page.text
    return _QUESTION.findall(page.text)


async def _answer(portal: Portal, question: str, **form: str) -> int:
    token = await portal.csrf("/start")
    data = {"csrf_token": token, **form}
    return (await portal.client.post(f"/my/feedback/{question}", data=data)).status_code


async def test_feedback_after_an_ag_answer_is_asked_once_kept_once_and_reported(
    portal: Portal,
) -> None:
    practice = f"E{uuid.uuid4().hex[:5].upper()}"
    nhs = await portal.sign_in("P9")
    await portal.register(nhs, practice)
    advice = _advice()
    await _closed(portal, TRIAGED, nhs, **advice)
    await _closed(portal, TRIAGED, nhs, **advice)  # redelivered: asked once

    page = (await portal.client.get("/my/plan")).text
    [question] = await _questions(portal)
    first = await _answer(portal, question, helpful="4", comment="Clear <b>advice</b>")
    again = await _answer(portal, question, helpful="1")
    after = await portal.client.get("/my/plan?feedback=thanks")
    report = await portal.client.get(
        "/fhir/$feedback-report?week=2026-W49", headers=portal.auth("gp", organisation=practice)
    )

    assert "How helpful was the specialist&#39;s advice to your GP?" in page
    assert (first, again) == (303, 303)
    assert await _questions(portal) == []
    assert "Thank you for your feedback." in after.text
    answers = await portal.scalar(
        "SELECT count(*) FROM resource WHERE resource_type = 'QuestionnaireResponse' "
        "AND patient_nhs = :nhs AND convert_from(content, 'UTF8')::jsonb ->> 'status' = "
        "'completed'",
        nhs=nhs,
    )
    assert answers == 1
    assert report.status_code == 200, report.text
    [group] = report.json()["group"]
    assert group["code"]["coding"][0] == {"system": PATHWAYS, "code": "advice-and-guidance"}
    assert [p["count"] for p in group["population"]] == [1, 1, 1]


async def test_a_referral_accepted_and_an_mdt_discussion_ask_but_other_outcomes_do_not(
    portal: Portal,
) -> None:
    nhs = await portal.sign_in("P9")
    await _closed(portal, TRIAGED, nhs, **_advice("accepted"))
    await _closed(portal, TRIAGED, nhs, **_advice("rejected"))
    await _closed(portal, TRIAGED, nhs, **_advice("information-requested"))
    await _closed(portal, OUTCOME, nhs, case="Task/c1", status="discussed", decisions=[])
    await _closed(portal, OUTCOME, nhs, case="Task/c2", status="deferred", decisions=[])

    page = (await portal.client.get("/my/plan")).text

    assert len(await _questions(portal)) == 2
    assert "How helpful was the way your referral was handled?" in page
    assert "How helpful was your care team&#39;s meeting (MDT) about your care?" in page


async def test_episode_feedback_is_refused_for_another_patient_bad_input_and_p5(
    portal: Portal,
) -> None:
    nhs = await portal.sign_in("P9")
    await _closed(portal, TRIAGED, nhs, **_advice())
    [question] = await _questions(portal)
    bad = await _answer(portal, question, helpful="9")
    long = await _answer(portal, question, helpful="4", comment="x" * 5000)
    await portal.sign_in("P9")
    not_theirs = await _answer(portal, question, helpful="4")
    await portal.sign_in("P5", nhs)
    p5 = await _answer(portal, question, helpful="4")

    assert (bad, long, not_theirs, p5) == (400, 400, 404, 403)
    stored = await portal.stored("QuestionnaireResponse", nhs)
    assert stored == 1  # the question only: nothing answered
