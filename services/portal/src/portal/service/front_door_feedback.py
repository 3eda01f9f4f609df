"""Feedback after each answered request, and its weekly summary per pathway.

Once the team has answered a request (its CommunicationRequest completed), the patient
is asked one question with an optional comment. The episode and its pathway come from
the stored request the patient may see, never from the form, so feedback cannot be
tied to another episode; the request's id is the answer's identifier, so an episode
has at most one answer (the kernel's race-safe conditional create). The weekly
MeasureReport counts the answers the caller may see (staff: their patients'), by the
route each request took.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal
from portal.fhir.front_door import ROUTE_SYSTEM, body_of, patient_of
from portal.fhir.front_door_feedback import (
    FEEDBACK_SYSTEM,
    HELPFUL,
    QUESTIONNAIRE_URL,
    answer_of,
    feedback_response,
    measure_report,
    pathway_of,
    questionnaire,
)

__all__ = ["NotAnswered", "feedback_given", "give_feedback", "week_of", "weekly_report"]


class NotAnswered(LookupError):
    """The request is not answered yet: there is nothing to give feedback on."""


def _pathway(request: dict[str, Any]) -> str:
    for reason in request.get("reasonCode", []):
        for coding in reason.get("coding", []):
            if coding.get("system") == ROUTE_SYSTEM:
                return str(coding["code"])
    return "unknown"


async def _ensure_questionnaire(tx: FhirTransaction) -> None:
    await tx.create("Questionnaire", questionnaire(), if_none_exist=f"url={QUESTIONNAIRE_URL}")


async def give_feedback(
    fhir: FhirInteractions,
    patient: Principal,
    request_id: str,
    score: str,
    comment: str,
    now: datetime,
) -> bool:
    """Keep the patient's answer about their answered request (False: already given)."""
    async with fhir.operation(patient) as tx:
        stored = await tx.read("CommunicationRequest", request_id)
        request = body_of(stored)
        if request.get("status") != "completed":
            raise NotAnswered(request_id)
        nhs = patient_of(request)
        await _ensure_questionnaire(tx)
        body = feedback_response(nhs, stored.reference, _pathway(request), score, comment, now)
        once = f"identifier={FEEDBACK_SYSTEM}|{request_id}"
        _, new = await tx.create("QuestionnaireResponse", body, if_none_exist=once)
    return new


async def feedback_given(fhir: FhirInteractions, patient: Principal, request_id: str) -> bool:
    async with fhir.reads(patient) as tx:
        found = await tx.search(
            "QuestionnaireResponse", [("identifier", f"{FEEDBACK_SYSTEM}|{request_id}")]
        )
    return bool(found.matches)


def week_of(text: str | None, now: datetime) -> datetime:
    """The Monday 00:00 UTC starting ISO week `text` (`2026-W49`), or this week."""
    if text is None:
        year, week, _ = now.isocalendar()
    else:
        year_text, _, week_text = text.partition("-W")
        year, week = int(year_text), int(week_text)  # ValueError for a bad week
    return datetime.fromisocalendar(year, week, 1).replace(tzinfo=UTC)


async def weekly_report(
    fhir: FhirInteractions, reader: Principal, start: datetime, now: datetime
) -> dict[str, Any]:
    """The MeasureReport of the week from `start`: answers and helpful ones per pathway."""
    end = start + timedelta(days=7)
    totals: Counter[tuple[str, str]] = Counter()
    helpful: Counter[tuple[str, str]] = Counter()
    items = [
        ("questionnaire", QUESTIONNAIRE_URL),
        ("authored", f"ge{start.isoformat()}"),
        ("authored", f"lt{end.isoformat()}"),
        ("_count", "100"),
    ]
    cursor: str | None = ""
    async with fhir.reads(reader) as tx:
        while cursor is not None:
            page = await tx.search(
                "QuestionnaireResponse", items + ([("_cursor", cursor)] if cursor else [])
            )
            for stored in page.matches:
                response = body_of(stored)
                if response.get("status") != "completed":
                    continue  # a question asked, not answered yet
                pathway = pathway_of(response)
                totals[pathway] += 1
                helpful[pathway] += answer_of(response, "helpful") in HELPFUL
            cursor = page.next_cursor
    counts = {p: (totals[p], helpful[p]) for p in totals}
    return measure_report(start, end - timedelta(microseconds=1), counts, now)
