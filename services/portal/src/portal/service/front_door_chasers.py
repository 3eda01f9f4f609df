"""Chasers: a red-flag callback, a patient's request or message left too long is escalated.

Three clocks (hazards O2, O4 and O5 of the hazard log), with bounds from the front
door's settings (the issue and DOMAIN.md give none; the defaults are documented there):

- a red-flag callback (Task `red-flag-callback`) still unrecorded, or not reached, 15
  minutes after the red flag: a new `stat` Task (`callback-overdue`) for the duty
  clinician, naming the co-ordinator, and a `callback-overdue` event to both; at 30
  minutes, a second one owned by the patient's practice;
- a request for the practice or the co-ordinator (routes `gp`, `coordinator`,
  `own-plan`) the team has not answered after 24 hours: `reply-overdue` in the same two
  steps, at 24 and 48 hours;
- a patient's message on a request's thread (answered or not) that nobody of the team
  has read after 24 hours: `message-overdue`, at 24 and 48 hours (its event is
  `reply-overdue` naming the request, with the unread `message`).

Each step is a Task whose identifier names the chased thing and the step, created with
the kernel's race-safe conditional create, so a second worker or a rerun adds nothing
and announces nothing more. The chased Task itself is never changed (the clinician's
open page stays current). Recording the callback, answering the request, or a member
of the team opening the thread (which marks the patient's messages read), closes its
chases (`close_chases`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter

from carecoord_shared.fhir.interactions import FhirInteractions
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.repository import StoredResource
from portal.fhir.front_door import (
    CATEGORY_SYSTEM,
    ROUTE_SYSTEM,
    TASK_CODE_SYSTEM,
    UNREAD,
    body_of,
    chase_task,
    patient_of,
)
from portal.service.context import PortalContext
from portal.service.front_door_requests import coordinator_of
from portal.store.front_door import RegisteredPractice

__all__ = ["CALLBACK", "CHASES", "MESSAGE", "REPLY", "Clock", "chase", "close_chases"]

CHASES = Counter(
    "portal_front_door_chases_total",
    "Overdue red-flag callbacks and unanswered requests escalated, by kind and step "
    "(1: duty clinician and co-ordinator, 2: the practice)",
    ["kind", "level"],
)
_TEAM_ROUTES = frozenset({"gp", "coordinator", "own-plan"})
"""Routes whose request waits for a reply from the practice or the co-ordinator."""


@dataclass(frozen=True, slots=True)
class Clock:
    """One chaser: what it looks for, what its Tasks and events are called."""

    kind: str
    resource_type: str
    criteria: tuple[tuple[str, str], ...]
    since: str
    """The search parameter of the element the clock starts from."""
    event: str
    priority: str
    bounds_from: tuple[str, str, str]
    """The unit and the two settings of the chase's steps."""
    raised_at: str = "authoredOn"
    patient_at: str = "subject"

    @property
    def code(self) -> str:
        return f"{self.kind}-overdue"

    def bounds(self, context: PortalContext) -> tuple[timedelta, timedelta]:
        unit, first, second = self.bounds_from
        s = context.settings
        return timedelta(**{unit: getattr(s, first)}), timedelta(**{unit: getattr(s, second)})

    def request_of(self, chased: StoredResource, body: dict[str, Any]) -> str:
        """The request a chased Task, request or message belongs to."""
        if self.kind == "callback":
            return str(body["focus"]["reference"])
        if self.kind == "message":
            return str(body["basedOn"][0]["reference"])
        return chased.reference


CALLBACK = Clock(
    "callback",
    "Task",
    (("code", f"{TASK_CODE_SYSTEM}|red-flag-callback"), ("status", "requested,in-progress")),
    "authored-on",
    "carecoord.portal.callback-overdue.v1",
    "stat",
    ("minutes", "front_door_callback_chase_minutes", "front_door_callback_practice_minutes"),
    patient_at="for",
)
REPLY = Clock(
    "reply",
    "CommunicationRequest",
    (("status", "active"),),
    "authored",
    "carecoord.portal.reply-overdue.v1",
    "urgent",
    ("hours", "front_door_reply_chase_hours", "front_door_reply_practice_hours"),
)
MESSAGE = Clock(
    "message",
    "Communication",
    (("status", UNREAD), ("category", f"{CATEGORY_SYSTEM}|request-message")),
    "sent",
    "carecoord.portal.reply-overdue.v1",
    "urgent",
    ("hours", "front_door_message_chase_hours", "front_door_message_practice_hours"),
    raised_at="sent",
)


def _route(body: dict[str, Any]) -> str | None:
    codings = (c for r in body.get("reasonCode", []) for c in r.get("coding", []))
    return next((str(c["code"]) for c in codings if c.get("system") == ROUTE_SYSTEM), None)


def _waiting(clock: Clock, body: dict[str, Any]) -> bool:
    """A request answered by a callback is the callback's clock, not the reply's."""
    return clock is not REPLY or (_route(body) in _TEAM_ROUTES and body.get("priority") != "stat")


async def _overdue(
    fhir: FhirInteractions, system: Principal, clock: Clock, before: datetime
) -> AsyncIterator[StoredResource]:
    items = [*clock.criteria, (clock.since, f"lt{before.isoformat()}"), ("_count", "100")]
    cursor: str | None = ""
    while cursor is not None:
        async with fhir.reads(system) as tx:
            page = await tx.search(
                clock.resource_type, items + ([("_cursor", cursor)] if cursor else [])
            )
        for stored in page.matches:
            yield stored
        cursor = page.next_cursor


async def _step(
    tx: FhirTransaction, clock: Clock, chased: StoredResource, level: int, now: datetime, duty: str
) -> bool:
    """Create step `level` of the chase of `chased` (False: it was there already)."""
    body = body_of(chased)
    nhs = patient_of(body, clock.patient_at)
    request = clock.request_of(chased, body)
    coordinator, practice = await coordinator_of(tx, nhs), None
    if level == 2:
        practice = await tx.repository(RegisteredPractice).of(nhs)
    ref, code = chased.reference, clock.code
    task_body = chase_task(
        code, clock.priority, nhs, ref, request, level, now, duty, coordinator, practice
    )
    ident = task_body["identifier"][0]
    task, new = await tx.create(
        "Task", task_body, if_none_exist=f"identifier={ident['system']}|{ident['value']}"
    )
    if new:
        to = [duty, *([coordinator] if coordinator else [])] if level == 1 else [practice]
        data: dict[str, Any] = {"task": task.reference, "chased": chased.reference}
        data["request"] = request
        if clock is MESSAGE:  # the request is what waits; the message is named beside it
            data |= {"chased": request, "message": chased.reference}
        data |= {"level": level, "to": to, "raisedAt": str(body.get(clock.raised_at, ""))}
        await tx.outbox.announce(clock.event, subject=task.reference, nhs_number=nhs, data=data)
    return new


def _counted(clock: Clock, made: list[int]) -> int:
    """Count the steps made (after their unit of work committed)."""
    for level in made:
        CHASES.labels(clock.kind, str(level)).inc()
    return len(made)


async def chase(
    fhir: FhirInteractions, system: Principal, context: PortalContext, clock: Clock
) -> int:
    """Escalate every overdue callback (or request) by the steps now due; the new steps."""
    now = context.clock()
    first, second = clock.bounds(context)
    duty = context.settings.front_door_duty_clinician
    made = 0
    async for chased in _overdue(fhir, system, clock, now - first):
        body = body_of(chased)
        if not _waiting(clock, body):
            continue
        raised = datetime.fromisoformat(str(body[clock.raised_at]))
        levels = (1, 2) if now - raised >= second else (1,)
        async with fhir.operation(system) as tx:
            new = [level for level in levels if await _step(tx, clock, chased, level, now, duty)]
        made += _counted(clock, new)
    return made


async def close_chases(tx: FhirTransaction, clock: Clock, request: str, now: datetime) -> None:
    """The callback is recorded (or the request answered): its open chases are done."""
    items = [
        ("code", f"{TASK_CODE_SYSTEM}|{clock.code}"),
        ("focus", request),
        ("status", "requested"),
    ]
    for stored in (await tx.search("Task", items)).matches:
        body = body_of(stored)
        body["status"], body["lastModified"] = "completed", now.isoformat()
        await tx.update("Task", stored.id, body, if_match=stored.version_id)
