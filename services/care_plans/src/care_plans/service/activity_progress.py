"""An activity moving on when the service that owns its fact says so: an MDT action
acknowledged by its owner makes its activity `accepted`, completed makes it `completed`.

The activity is found by the identifier it was made with (`fhir.activities`:
`source-event|mdt:<action>`), and only moves forward (FHIR Task status): a late
`acknowledged` leaves a completed activity completed, and a repeat (a redelivery, or
the same fact re-sent under a new id) writes nothing. An action this service never
made an activity of (no plan activity, another patient's) is logged and ignored, so
it never loops through the dead letters. The move is an ordinary Task write
(`tx.write`), so Provenance, validation and audit are those of any other write.

Moves are gathered per activity and applied when the unit of work finishes: a run of
events that assigns an action and acknowledges it finds the activity the run creates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from care_plans.fhir.activities import mdt_action_activity, source_key
from care_plans.service.context import CarePlansContext
from carecoord_shared.events import Event
from carecoord_shared.fhir.gathering import Gathering
from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.registry import Write
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.logging import get_logger
from carecoord_shared.service import EventHandler

log = get_logger(__name__)

_ORDER = ("draft", "requested", "received", "accepted", "ready", "in-progress", "completed")
_ENDED = frozenset({"completed", "cancelled", "rejected", "failed", "entered-in-error"})


def moves_forward(current: str | None, target: str) -> bool:
    """Whether an activity at `current` moves on to `target` (never back, never out of
    an ended state; `on-hold` counts as in progress)."""
    if current in _ENDED:
        return False
    at = "in-progress" if current == "on-hold" else current
    rank = _ORDER.index(at) if at in _ORDER else -1
    return rank < _ORDER.index(target)


@dataclass(frozen=True, slots=True)
class _Move:
    """One event's word on the activity: the status it reached, when, and which event."""

    status: str
    at: datetime
    event_id: str


_Activity = tuple[str, str]
"""The activity an event is about: its source-event identifier (`system|value`) and its
patient's NHS number."""


async def _apply(tx: FhirTransaction, activity: _Activity, moves: list[_Move]) -> None:
    """One new version of the activity at the furthest status its moves reach (none
    when it is there already)."""
    identifier, nhs_number = activity
    patient = f"{NHS_NUMBER_SYSTEM}|{nhs_number}"
    found = await tx.search("Task", [("identifier", identifier), ("patient:identifier", patient)])
    if not found.matches:
        log.info(
            "care_plans.activity_progress_unknown",
            activity=identifier,
            event_ids=[m.event_id for m in moves],
        )
        return
    current = await tx.read("Task", found.matches[0].id, lock=True)
    body = current.as_json()
    status, at = body.get("status"), None
    for move in moves:
        if moves_forward(status, move.status):
            status, at = move.status, move.at
    if at is None:
        return
    body.pop("meta", None)
    body.update(status=status, lastModified=at.isoformat())
    await tx.write(Write("update", "Task", current.id, body, if_match=current.version_id))


PROGRESS = Gathering("activity progress", _apply)


def mdt_action_moved(status: str) -> EventHandler:
    """The consumer of an MDT event saying its action reached `status`: the action's
    activity moves there (forward only) when the unit of work finishes."""

    async def handle(tx: FhirTransaction, event: Event, _context: CarePlansContext) -> None:
        task = mdt_action_activity(event.data)
        if task is None:
            return
        identifier = source_key(task).split("=", 1)[1]
        activity = (identifier, str(event.data["nhsNumber"]))
        tx.gather(PROGRESS, activity, _Move(status, event.time, event.id))

    return handle
