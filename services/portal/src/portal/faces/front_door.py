"""The front door face's declarations: its resources, operations, consumers and jobs.

Resources: the feedback Questionnaire and its QuestionnaireResponses (the duty
clinician's callback is the portal's Task). Published: the CodeSystem of the front
door's questions, from the rule set in force. Operations: `$route` (also without a
token) and `$feedback-report` (the weekly MeasureReport). Consumers: care_plans' events into the
read model of each patient's care; referrals' and mdt's closed episodes (feedback asked).
Jobs: the chasers of overdue red-flag callbacks and unanswered requests.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.registry import (
    READ_ONLY,
    ResourceDefinition,
    SearchParam,
    nhs_number_at,
)
from portal.events import front_door_care_events, front_door_episode_events
from portal.faces import Face
from portal.fhir.front_door import question_code_system
from portal.jobs import front_door_chasers
from portal.operations.front_door_feedback import FEEDBACK_REPORT
from portal.operations.route import ROUTE
from portal.service.front_door_rules import front_door_of


def questions_published(context: Any) -> list[JsonObject]:
    """The CodeSystem of the front door's questions, from the rule set in force."""
    return [question_code_system(front_door_of(context.settings).rules)]


def resources(_context: object) -> tuple[ResourceDefinition, ...]:
    """The feedback question and its answers (written only by the portal's own pages);
    its Task (the duty clinician's callback) is the portal's one Task type."""
    return (
        ResourceDefinition(
            "Questionnaire",
            interactions=READ_ONLY,
            documentation="The front door's feedback question, asked after each answered request.",
            search_params=(SearchParam("url", "token", "Questionnaire.url"),),
        ),
        ResourceDefinition(
            "QuestionnaireResponse",
            interactions=READ_ONLY,
            documentation="A patient's feedback on one answered request (its identifier is "
            "the request's id: one answer per episode).",
            patient_nhs=nhs_number_at("QuestionnaireResponse.subject"),
            patient_required=True,
            search_params=(
                SearchParam("identifier", "token", "QuestionnaireResponse.identifier"),
                SearchParam("questionnaire", "token", "QuestionnaireResponse.questionnaire"),
                SearchParam("authored", "date", "QuestionnaireResponse.authored"),
                SearchParam("patient", "reference", "QuestionnaireResponse.subject", ("Patient",)),
            ),
        ),
    )


FACE = Face(
    resources=resources,
    operations=(ROUTE, FEEDBACK_REPORT),
    consumers=(*front_door_care_events.CONSUMERS, *front_door_episode_events.CONSUMERS),
    jobs=(front_door_chasers.JOB,),
    definitions=questions_published,
)
