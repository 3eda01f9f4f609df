"""The front door face's declarations: its resources, operations, consumers and jobs.

Resources: the duty clinician's urgent callbacks (Task). Published: the CodeSystem of
the front door's questions, from the rule set in force. Operation: `$route` (also
without a token). Consumers: care_plans' events into the read model of each patient's
care.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.registry import ResourceDefinition, SearchParam, nhs_number_at
from portal.events import (
    front_door_careplan_revised,
    front_door_coordinator_assigned,
    front_door_coordinator_ended,
)
from portal.faces import Face
from portal.fhir.front_door import question_code_system
from portal.operations.route import ROUTE
from portal.service.front_door_rules import front_door_of


def questions_published(context: Any) -> list[JsonObject]:
    """The CodeSystem of the front door's questions, from the rule set in force."""
    return [question_code_system(front_door_of(context.settings).rules)]


def resources(_context: object) -> tuple[ResourceDefinition, ...]:
    return (
        ResourceDefinition(
            "Task",
            documentation="Work the front door creates for staff: the duty clinician's urgent "
            "callback after a red flag (priority stat).",
            patient_nhs=nhs_number_at("Task.for"),
            patient_required=True,
            search_params=(
                SearchParam("status", "token", "Task.status"),
                SearchParam("priority", "token", "Task.priority"),
                SearchParam("code", "token", "Task.code"),
                SearchParam("patient", "reference", "Task.for", ("Patient",)),
                SearchParam("owner", "reference", "Task.owner"),
                SearchParam("focus", "reference", "Task.focus"),
                SearchParam("authored-on", "date", "Task.authoredOn"),
            ),
        ),
    )


FACE = Face(
    resources=resources,
    operations=(ROUTE,),
    consumers=(
        front_door_careplan_revised.CONSUMER,
        front_door_coordinator_assigned.CONSUMER,
        front_door_coordinator_ended.CONSUMER,
    ),
    definitions=questions_published,
)
