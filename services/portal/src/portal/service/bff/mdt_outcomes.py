"""Recording a case's outcome in the meeting, as the chair, with their own token.

One `$record-outcome` on the case Task with If-Match set to the version the chair was
looking at: someone else's outcome in between comes back as a conflict (the mdt
service answers 409 once a case's outcome is recorded, 412 for a stale version), and
the page then shows what they recorded (read back from the case's outcome record)
beside what this chair typed, which is kept. Actions are owned by one of the MDT's
practices (by ODS code: the practice must acknowledge it) or by a role of the team.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from carecoord_shared.fhir.identifiers import ODS_SYSTEM
from portal.service.bff.client import FhirClient, WriteAnswer, if_match, write_answer
from portal.service.bff.mdt_shapes import MeetingPage, OutcomeRecord, outcome_record
from portal.service.bff.mdt_vocabulary import CASE_OUTCOMES

__all__ = [
    "ActionForm",
    "OutcomeForm",
    "current_outcome",
    "finish_meeting",
    "record_outcome",
]


@dataclass(frozen=True, slots=True)
class ActionForm:
    description: str = ""
    owner: str = ""
    """`practice:<ODS code>` or `role:<the role in words>`."""
    due: str = ""

    @property
    def empty(self) -> bool:
        return not (self.description or self.owner or self.due)

    def parameter(self) -> dict[str, Any]:
        kind, _, who = self.owner.partition(":")
        parts: list[dict[str, Any]] = [{"name": "description", "valueString": self.description}]
        if kind == "practice":
            parts.append({"name": "ownerKind", "valueCode": "organisation"})
            identifier = {"system": ODS_SYSTEM, "value": who}
            parts.append({"name": "ownerOrganisation", "valueIdentifier": identifier})
        else:
            parts.append({"name": "ownerKind", "valueCode": "role"})
            parts.append({"name": "ownerDisplay", "valueString": who})
        parts.append({"name": "dueOn", "valueDate": self.due})
        return {"name": "action", "part": parts}


@dataclass(frozen=True, slots=True)
class OutcomeForm:
    status: str = ""
    summary: str = ""
    decisions: str = ""
    """One decision a line, as typed."""
    plan_reviewed: bool = False
    minutes: float | None = None
    actions: tuple[ActionForm, ...] = field(default_factory=tuple)

    @property
    def decision_lines(self) -> list[str]:
        return [line.strip() for line in self.decisions.splitlines() if line.strip()]

    def problems(self, today: date, owners: set[str]) -> list[tuple[str, str]]:
        if self.status not in CASE_OUTCOMES:
            return [("Choose what happened to this case", "status")]
        problems: list[tuple[str, str]] = []
        if self.status == "discussed" and not self.summary:
            problems.append(("Enter a summary of the discussion", "summary"))
        for number, action in enumerate(self.actions, start=1):
            if action.empty:
                continue
            if self.status != "discussed":
                problems.append(("Only a discussed case can have actions", f"action-{number}"))
            elif not action.description:
                problems.append((f"Enter what action {number} is", f"action-{number}"))
            elif action.owner not in owners:
                problems.append((f"Choose who owns action {number}", f"action-{number}-owner"))
            elif not _on_or_after(action.due, today):
                message = f"Enter a due date for action {number}, today or later"
                problems.append((message, f"action-{number}-due"))
        return problems

    def parameters(self) -> dict[str, Any]:
        params: list[dict[str, Any]] = [{"name": "status", "valueCode": self.status}]
        if self.summary:
            params.append({"name": "summary", "valueString": self.summary})
        params += [{"name": "decision", "valueString": d} for d in self.decision_lines]
        params.append({"name": "planReviewed", "valueBoolean": self.plan_reviewed})
        if self.minutes is not None:
            params.append({"name": "minutesSpent", "valueDecimal": self.minutes})
        params += [a.parameter() for a in self.actions if not a.empty]
        return {"resourceType": "Parameters", "parameter": params}


def _on_or_after(text: str, today: date) -> bool:
    try:
        return date.fromisoformat(text) >= today
    except ValueError:
        return False


async def record_outcome(
    api: FhirClient, case_id: str, version: str, form: OutcomeForm
) -> WriteAnswer:
    """Record the outcome if the case is still at `version`: the mdt service refuses a
    stale If-Match with 412, so a later save never silently replaces an earlier one."""
    path = f"Task/{case_id}/$record-outcome"
    return write_answer(await api.post(path, form.parameters(), if_match=if_match(version)))


async def current_outcome(api: FhirClient, reference: str) -> OutcomeRecord | None:
    """The outcome record someone else saved (`Composition/<id>`), if it can be read."""
    if not reference.startswith("Composition/"):
        return None
    reply = await api.get(reference)
    return outcome_record(reply.body) if reply.ok else None


NOT_REACHED = "Not reached in the meeting: moved to the next meeting."


async def finish_meeting(api: FhirClient, page: MeetingPage) -> tuple[int, list[str]]:
    """ "Finish meeting": every case still without an outcome here is recorded as listed,
    not discussed, which moves it to the next meeting at once (booked if needed); the
    outcomes already recorded have gone out as each was saved. How many moved, and the
    problems (a case someone else recorded meanwhile is left as they recorded it)."""
    moved, problems = 0, []
    for case in page.cases:
        if not case.due_at(page.meeting.id):
            continue
        form = OutcomeForm(status="not-discussed", summary=NOT_REACHED)
        answer = await record_outcome(api, case.id, case.version, form)
        if answer.result == "saved":
            moved += 1
        elif answer.result != "conflict":
            problems += list(answer.messages) or [f"Case {case.question!r} was not moved"]
    return moved, problems
