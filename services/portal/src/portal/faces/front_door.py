"""The front door face's declarations: its resources, operations, consumers and jobs.

Resources: none of its own (the duty clinician's callback is the portal's Task).
Published: the CodeSystem of the front door's questions, from the rule set in force.
Operation: `$route` (also without a token). Consumers: care_plans' events into the
read model of each patient's care.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.registry import ResourceDefinition
from portal.events.front_door_care_events import CONSUMERS
from portal.faces import Face
from portal.fhir.front_door import question_code_system
from portal.operations.route import ROUTE
from portal.service.front_door_rules import front_door_of


def questions_published(context: Any) -> list[JsonObject]:
    """The CodeSystem of the front door's questions, from the rule set in force."""
    return [question_code_system(front_door_of(context.settings).rules)]


def resources(_context: object) -> tuple[ResourceDefinition, ...]:
    return ()  # its Task (the duty clinician's callback) is the portal's one Task type


FACE = Face(
    resources=resources,
    operations=(ROUTE,),
    consumers=CONSUMERS,
    definitions=questions_published,
)
