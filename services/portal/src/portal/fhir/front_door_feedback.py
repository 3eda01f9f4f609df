"""Feedback along the pathway as FHIR R4: one question after each answered request.

The front door's feedback Questionnaire (one required question, one optional comment),
each patient's answer as a QuestionnaireResponse tied to the request it is about (its
identifier is the request's id, so an episode has one answer at most), and the weekly
summary as a MeasureReport with one group per pathway (the route the request took):
how many answered, how many found it helpful, and the share who did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.fhir.front_door import FRONT_DOOR, ROUTE_SYSTEM, patient_reference

__all__ = [
    "ASKED_SYSTEM",
    "FEEDBACK_MEASURE_URL",
    "FEEDBACK_SYSTEM",
    "HELPFUL",
    "PATHWAY_SYSTEM",
    "QUESTIONNAIRE_URL",
    "SCORES",
    "Episode",
    "answer_of",
    "episode_response",
    "feedback_response",
    "measure_report",
    "pathway_of",
    "questionnaire",
]

QUESTIONNAIRE_URL = f"{FRONT_DOOR}/Questionnaire/feedback"
FEEDBACK_MEASURE_URL = f"{FRONT_DOOR}/Measure/feedback"
FEEDBACK_SYSTEM = f"{FRONT_DOOR}/feedback"
SCORE_SYSTEM = f"{FRONT_DOOR}/CodeSystem/feedback-score"
ASKED_SYSTEM = f"{FRONT_DOOR}/feedback-asked"
EPISODE_SYSTEM = f"{FRONT_DOOR}/episode"
PATHWAY_SYSTEM = f"{FRONT_DOOR}/CodeSystem/pathway"
"""Episodes closed elsewhere (A&G answered, referral accepted, MDT outcome); a front
door request's pathway is the route it took (`ROUTE_SYSTEM`)."""


@dataclass(frozen=True, slots=True)
class Episode:
    """An episode of care closed in another service, as its event told the portal."""

    key: str
    """Unique per episode and outcome (`referrals/ServiceRequest/12/advice-given`)."""
    pathway: str
    title: str
    """What happened, in plain words, as the patient's question names it."""


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


def _response(
    nhs_number: str,
    identifier: JsonObject,
    episode: JsonObject,
    pathway: JsonObject,
    at: datetime,
    answered: tuple[str, str] | None,
) -> JsonObject:
    """A response about one episode: `answered` (score, comment) or, None, only asked."""
    items: list[JsonObject] = [
        {"linkId": "episode", "answer": [{"valueReference": episode}]},
        {"linkId": "pathway", "answer": [{"valueCoding": pathway}]},
    ]
    if answered is not None:
        score, comment = answered
        coding = {"system": SCORE_SYSTEM, "code": score, "display": SCORES[score]}
        items.append({"linkId": "helpful", "answer": [{"valueCoding": coding}]})
        if comment:
            items.append({"linkId": "comment", "answer": [{"valueString": comment}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "identifier": identifier,
        "questionnaire": QUESTIONNAIRE_URL,
        "status": "in-progress" if answered is None else "completed",
        "subject": patient_reference(nhs_number),
        "authored": at.isoformat(),
        "item": items,
    }


def feedback_response(
    nhs_number: str, request: str, pathway: str, score: str, comment: str, at: datetime
) -> JsonObject:
    """A patient's answer about one request (`request`: its reference)."""
    ident = {"system": FEEDBACK_SYSTEM, "value": request.split("/", 1)[1]}
    coding = {"system": ROUTE_SYSTEM, "code": pathway}
    return _response(nhs_number, ident, {"reference": request}, coding, at, (score, comment))


def episode_response(
    nhs_number: str,
    episode: Episode,
    at: datetime,
    answered: tuple[str, str] | None = None,
) -> JsonObject:
    """The question put to the patient after an episode elsewhere closed (asked), or
    their answer to it: an A&G answer, a referral accepted, an MDT outcome."""
    system = ASKED_SYSTEM if answered is None else FEEDBACK_SYSTEM
    ident = {"system": system, "value": episode.key}
    about = {"identifier": {"system": EPISODE_SYSTEM, "value": episode.key}}
    coding = {"system": PATHWAY_SYSTEM, "code": episode.pathway, "display": episode.title}
    return _response(nhs_number, ident, {**about, "display": episode.title}, coding, at, answered)


def answer_of(response: JsonObject, link_id: str) -> str | None:
    """The code (or text) answered to `link_id`, if any."""
    for item in response.get("item", []):
        if item.get("linkId") == link_id:
            answer = (item.get("answer") or [{}])[0]
            coding = answer.get("valueCoding") or {}
            return str(coding.get("code") or answer.get("valueString") or "") or None
    return None


def pathway_of(response: JsonObject) -> tuple[str, str]:
    """The (system, code) of the pathway a response is about."""
    for item in response.get("item", []):
        if item.get("linkId") == "pathway":
            coding = (item.get("answer") or [{}])[0].get("valueCoding") or {}
            return str(coding.get("system", ROUTE_SYSTEM)), str(coding.get("code", "unknown"))
    return ROUTE_SYSTEM, "unknown"


def measure_report(
    start: datetime,
    end: datetime,
    counts: dict[tuple[str, str], tuple[int, int]],
    made: datetime,
) -> JsonObject:
    """The week's summary: for each pathway (system, code), (answers, of which helpful)."""
    groups = [
        {
            "code": {"coding": [{"system": pathway[0], "code": pathway[1]}]},
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
        **({"group": groups} if groups else {}),  # no answers: no group (never an empty list)
    }


def _population(code: str, count: int) -> JsonObject:
    system = "http://terminology.hl7.org/CodeSystem/measure-population"
    return {"code": {"coding": [{"system": system, "code": code}]}, "count": count}
