"""Feedback after episodes that close in other services (issue 11): "real-time feedback
along the pathway".

The front door asks one question after each answered request (`front_door_feedback`);
it also asks after a specialist's advice & guidance answer, a referral accepted and an
MDT outcome, fed from the events already on referrals' and mdt's topics. Each such
episode puts the question to the patient as an `in-progress` QuestionnaireResponse (its
identifier names the episode, so a redelivered event asks once); the patient's answer
is a second, `completed`, response with the same episode key under the answers' own
identifier system (race-safe conditional create: one answer per episode). The episode
and its pathway come from the stored question the signed-in patient may see, never from
the form. The weekly MeasureReport counts the answers by pathway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from carecoord_shared.events import Event
from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal
from portal.fhir.front_door import body_of, patient_of
from portal.fhir.front_door_feedback import (
    ASKED_SYSTEM,
    FEEDBACK_SYSTEM,
    QUESTIONNAIRE_URL,
    Episode,
    episode_response,
    questionnaire,
)

__all__ = ["NotAQuestion", "Question", "answer_question", "episode_closed", "open_questions"]

_TRIAGED = {
    "advice-given": ("advice-and-guidance", "the specialist's advice to your GP"),
    "accepted": ("referral-accepted", "the way your referral was handled"),
}
_MDT = ("mdt-outcome", "your care team's meeting (MDT) about your care")
"""Each title completes "How helpful was ...?"."""
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


class NotAQuestion(LookupError):
    """No question about an episode is waiting under that id for this patient."""


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    title: str
    asked: str


def episode_of(event: Event) -> Episode | None:
    """The closed episode an event tells of (None: nothing to ask about)."""
    data = event.data
    if event.type == "carecoord.referral.triaged.v1":
        known = _TRIAGED.get(str(data.get("outcome")))
        about = str(data.get("serviceRequest") or "")
        outcome = str(data.get("outcome"))
    elif event.type == "carecoord.mdt.outcome-recorded.v1":
        known = _MDT if data.get("status") == "discussed" else None
        about, outcome = str(data.get("case") or ""), "discussed"
    else:
        known = None
    if known is None or not about:
        return None
    key = _UNSAFE.sub("-", f"{event.source.rsplit(':', 1)[-1]}-{about}-{outcome}")[:64]
    return Episode(key, known[0], known[1])


async def episode_closed(tx: FhirTransaction, event: Event) -> None:
    """Put the feedback question to the patient about the episode `event` closed."""
    episode, nhs = episode_of(event), str(event.data.get("nhsNumber") or event.key)
    if episode is None:
        return
    await tx.create("Questionnaire", questionnaire(), if_none_exist=f"url={QUESTIONNAIRE_URL}")
    body = episode_response(nhs, episode, event.time)
    await tx.create(
        "QuestionnaireResponse", body, if_none_exist=f"identifier={ASKED_SYSTEM}|{episode.key}"
    )


def _key(body: dict[str, Any], system: str) -> str | None:
    ident = body.get("identifier") or {}
    return str(ident["value"]) if ident.get("system") == system else None


def _episode(body: dict[str, Any]) -> Episode:
    key = _key(body, ASKED_SYSTEM)
    pathway = next(i for i in body["item"] if i["linkId"] == "pathway")["answer"][0]
    coding = pathway["valueCoding"]
    return Episode(str(key), str(coding["code"]), str(coding.get("display", "")))


async def open_questions(fhir: FhirInteractions, patient: Principal) -> list[Question]:
    """The questions put to the patient that they have not answered yet, newest first."""
    items = [("questionnaire", QUESTIONNAIRE_URL), ("_count", "200")]
    async with fhir.reads(patient) as tx:
        found = [
            body_of(s) | {"id": s.id}
            for s in (await tx.search("QuestionnaireResponse", items)).matches
        ]
    answered = {_key(b, FEEDBACK_SYSTEM) for b in found}
    waiting = [b for b in found if _key(b, ASKED_SYSTEM) and _key(b, ASKED_SYSTEM) not in answered]
    questions = (Question(b["id"], _episode(b).title, str(b["authored"])) for b in waiting)
    return sorted(questions, key=lambda q: q.asked, reverse=True)


async def answer_question(
    fhir: FhirInteractions,
    patient: Principal,
    question_id: str,
    answered: tuple[str, str],
    now: datetime,
) -> bool:
    """Keep the patient's answer to question `question_id` (False: already answered)."""
    async with fhir.operation(patient) as tx:
        asked = body_of(await tx.read("QuestionnaireResponse", question_id))
        if _key(asked, ASKED_SYSTEM) is None:
            raise NotAQuestion(question_id)
        episode, nhs = _episode(asked), patient_of(asked)
        body = episode_response(nhs, episode, now, answered)
        once = f"identifier={FEEDBACK_SYSTEM}|{episode.key}"
        _, new = await tx.create("QuestionnaireResponse", body, if_none_exist=once)
    return new
