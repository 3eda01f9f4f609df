"""Feedback along the pathway as FHIR R4: one question after each answered request.

The front door's feedback Questionnaire (one required question, one optional comment),
each patient's answer as a QuestionnaireResponse tied to the request it is about (its
identifier is the request's id, so an episode has one answer at most), and the weekly
summary as a MeasureReport with one group per pathway (the route the request took):
how many answered, how many found it helpful, and the share who did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.fhir.front_door import FRONT_DOOR, NHS_NUMBER_SYSTEM, ROUTE_SYSTEM

__all__ = [
    "FEEDBACK_MEASURE_URL",
    "FEEDBACK_SYSTEM",
    "HELPFUL",
    "QUESTIONNAIRE_URL",
    "SCORES",
    "answer_of",
    "feedback_response",
    "measure_report",
    "questionnaire",
]

QUESTIONNAIRE_URL = f"{FRONT_DOOR}/Questionnaire/feedback"
FEEDBACK_MEASURE_URL = f"{FRONT_DOOR}/Measure/feedback"
FEEDBACK_SYSTEM = f"{FRONT_DOOR}/feedback"
SCORE_SYSTEM = f"{FRONT_DOOR}/CodeSystem/feedback-score"
SCORES = {
    "5": "Very helpful",
    "4": "Helpful",
    "3": "Neither helpful nor unhelpful",
    "2": "Not very helpful",
    "1": "Not at all helpful",
}
HELPFUL = frozenset({"4", "5"})
JsonObject = dict[str, Any]


def questionnaire() -> JsonObject:
    return {
        "resourceType": "Questionnaire",
        "url": QUESTIONNAIRE_URL,
        "version": "1",
        "name": "FrontDoorFeedback",
        "title": "How helpful was the answer you got?",
        "status": "active",
        "subjectType": ["Patient"],
        "item": [
            {
                "linkId": "helpful",
                "text": "How helpful was the answer you got?",
                "type": "choice",
                "required": True,
                "answerOption": [
                    {"valueCoding": {"system": SCORE_SYSTEM, "code": c, "display": d}}
                    for c, d in SCORES.items()
                ],
            },
            {"linkId": "comment", "text": "Anything you want to tell us", "type": "text"},
        ],
    }


def feedback_response(
    nhs_number: str, request: str, pathway: str, score: str, comment: str, at: datetime
) -> JsonObject:
    """A patient's answer about one request (`request`: its reference)."""
    items: list[JsonObject] = [
        {"linkId": "episode", "answer": [{"valueReference": {"reference": request}}]},
        {
            "linkId": "pathway",
            "answer": [{"valueCoding": {"system": ROUTE_SYSTEM, "code": pathway}}],
        },
        {
            "linkId": "helpful",
            "answer": [
                {"valueCoding": {"system": SCORE_SYSTEM, "code": score, "display": SCORES[score]}}
            ],
        },
    ]
    if comment:
        items.append({"linkId": "comment", "answer": [{"valueString": comment}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": FEEDBACK_SYSTEM, "value": request.split("/", 1)[1]},
        "questionnaire": QUESTIONNAIRE_URL,
        "status": "completed",
        "subject": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}},
        "authored": at.isoformat(),
        "item": items,
    }


def answer_of(response: JsonObject, link_id: str) -> str | None:
    """The code (or text) answered to `link_id`, if any."""
    for item in response.get("item", []):
        if item.get("linkId") == link_id:
            answer = (item.get("answer") or [{}])[0]
            coding = answer.get("valueCoding") or {}
            return str(coding.get("code") or answer.get("valueString") or "") or None
    return None


def measure_report(
    start: datetime, end: datetime, counts: dict[str, tuple[int, int]], made: datetime
) -> JsonObject:
    """The week's summary: for each pathway, (answers, of which helpful)."""
    groups = [
        {
            "code": {"coding": [{"system": ROUTE_SYSTEM, "code": pathway}]},
            "population": [
                _population("initial-population", total),
                _population("denominator", total),
                _population("numerator", helpful),
            ],
            "measureScore": {"value": round(helpful / total, 4)},
        }
        for pathway, (total, helpful) in sorted(counts.items())
    ]
    return {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": FEEDBACK_MEASURE_URL,
        "date": made.isoformat(),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "group": groups,
    }


def _population(code: str, count: int) -> JsonObject:
    system = "http://terminology.hl7.org/CodeSystem/measure-population"
    return {"code": {"coding": [{"system": system, "code": code}]}, "count": count}
