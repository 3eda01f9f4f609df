"""The small views the MDT pages render, read from the mdt service's FHIR shapes.

The mdt service's README is the contract: an MDT is a CareTeam (members by SDS user
id, membership coded core/extended/chair), a meeting an Appointment naming its MDT in
`supportingInformation`, a case a Task (code `mdt-case`) with its question, purpose,
meeting, checklist and attachments as named `input`s, an outcome record a
Composition whose sections are narrative. These readers are tolerant: a missing
element is shown as missing, never a 500.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from portal.service.bff.client import Json, version_of
from portal.service.bff.clock import LONDON, parse_instant
from portal.service.bff.mdt_vocabulary import CASE_STATES, CHECKLIST, URGENCY
from portal.service.bff.shapes import first_code, identifier_value

__all__ = [
    "CaseView",
    "MeetingPage",
    "MeetingView",
    "OutcomeRecord",
    "TeamView",
    "case_view",
    "meeting_view",
    "outcome_record",
    "team_view",
]
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)


@dataclass(frozen=True, slots=True)
class Member:
    user: str
    title: str
    membership: str
    chair: bool


@dataclass(slots=True)
class TeamView:
    id: str
    name: str
    locality: str
    members: list[Member]
    user_id: str
    practices: tuple[str, ...] = ()
    meetings: list[MeetingView] = field(default_factory=list)

    @property
    def is_member(self) -> bool:
        return any(m.user == self.user_id for m in self.members)

    @property
    def is_chair(self) -> bool:
        return any(m.user == self.user_id and m.chair for m in self.members)

    def owners(self) -> dict[str, str]:
        """Who an action may be given to: the MDT's practices, then its members' roles."""
        found = {f"practice:{p}": f"GP practice {p}" for p in self.practices if p}
        for title in sorted({m.title for m in self.members if m.title}):
            found[f"role:{title}"] = title
        return found


@dataclass(frozen=True, slots=True)
class MeetingView:
    id: str
    team_id: str
    start: datetime | None
    status: str
    minutes: int
    places: str

    @property
    def when(self) -> str:
        if self.start is None:
            return "Date not set"
        local = self.start.astimezone(LONDON)
        return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


@dataclass(frozen=True, slots=True)
class CaseView:
    id: str
    version: str
    nhs_number: str
    urgency: str
    state: str
    question: str
    purpose: str
    reasons: tuple[str, ...]
    checklist: dict[str, bool | None]
    """Each item: done, missing, or None when `$prepare` has not checked the case yet."""
    attached: tuple[str, ...]
    ready: bool
    outcome_ref: str = ""
    meeting: str = ""
    """The meeting the case is on now (a deferred case moves to the next one at once)."""

    @property
    def state_label(self) -> str:
        return CASE_STATES.get(self.state, self.state or "Unknown")

    @property
    def recordable(self) -> bool:
        """The mdt service still takes an outcome for it (only `discussed` closes a case)."""
        return bool(self.state) and self.state != "discussed"

    def due_at(self, meeting_id: str) -> bool:
        """Whether this meeting still has to record an outcome for the case."""
        fresh = self.state in ("listed", "prepared")
        return fresh or (self.recordable and self.meeting == meeting_id)


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    """What someone recorded for a case (read back from its Composition)."""

    status: str
    summary: str
    decisions: tuple[str, ...]
    actions: tuple[str, ...]
    author: str


@dataclass(frozen=True, slots=True)
class MeetingPage:
    meeting: MeetingView
    team: TeamView
    cases: list[CaseView]
    assembled: bool
    attended: tuple[str, ...] | None = None
    """The SDS user ids recorded as attending, or None before attendance is taken."""

    def present(self) -> list[Member]:
        return [m for m in self.team.members if m.user in (self.attended or ())]

    @property
    def not_ready(self) -> int:
        return sum(1 for c in self.cases if not c.ready)

    @property
    def to_discuss(self) -> int:
        return sum(1 for c in self.cases if c.due_at(self.meeting.id))

    def position(self, case_id: str) -> int | None:
        return next((i for i, c in enumerate(self.cases) if c.id == case_id), None)


def _inputs(task: Json, name: str) -> list[Any]:
    found: list[Any] = []
    for item in task.get("input", []):
        if (item.get("type") or {}).get("text") == name:
            found.extend(v for k, v in item.items() if k.startswith("value"))
    return found


def team_view(body: Json, user_id: str) -> TeamView:
    members = []
    for participant in body.get("participant", []):
        codes = [c.get("code") for r in participant.get("role", []) for c in r.get("coding", [])]
        roles = participant.get("role") or [{}]
        members.append(
            Member(
                identifier_value(participant.get("member")),
                str(roles[0].get("text") or (participant.get("member") or {}).get("display") or ""),
                "core" if "core" in codes else "extended",
                "chair" in codes,
            )
        )
    locality = next((str(e.get("valueString")) for e in body.get("extension", [])), "")
    practices = tuple(identifier_value(o) for o in body.get("managingOrganization", []))
    return TeamView(
        str(body.get("id", "")), str(body.get("name", "MDT")), locality, members, user_id,
        practices,
    )  # fmt: skip


def meeting_view(body: Json) -> MeetingView:
    team = next(
        (
            str(r.get("reference", "")).removeprefix("CareTeam/")
            for r in body.get("supportingInformation", [])
            if str(r.get("reference", "")).startswith("CareTeam/")
        ),
        "",
    )
    return MeetingView(
        str(body.get("id", "")),
        team,
        parse_instant(body.get("start")),
        str(body.get("status", "")),
        int(body.get("minutesDuration") or 0),
        str(body.get("comment", "")),
    )


def case_view(task: Json, ready: bool, etag: str | None = None) -> CaseView:
    checklist: dict[str, bool | None] = {
        label: bool(found[0]) if (found := _inputs(task, f"checklist:{code}")) else None
        for code, label in CHECKLIST.items()
    }
    output = next((o.get("valueReference") or {} for o in task.get("output", [])), {})
    meeting: dict[str, Any] = next(iter(_inputs(task, "meeting")), {})
    return CaseView(
        id=str(task.get("id", "")),
        version=version_of(task, etag),
        nhs_number=identifier_value(task.get("for")),
        urgency=URGENCY.get(str(task.get("priority", "")), "Routine"),
        state=first_code(task.get("businessStatus")),
        question=str((_inputs(task, "question") or [""])[0]),
        purpose=str((_inputs(task, "purpose") or ["for-discussion"])[0]),
        reasons=tuple(str(n.get("text", "")) for n in task.get("note", [])),
        checklist=checklist,
        attached=tuple(str(r.get("reference", "")) for r in _inputs(task, "attached")),
        ready=ready,
        outcome_ref=str(output.get("reference", "")),
        meeting=str(meeting.get("reference", "")).removeprefix("Appointment/"),
    )


def _paragraphs(section: Json) -> tuple[str, ...]:
    div = str((section.get("text") or {}).get("div") or "")
    found = tuple(html.unescape(p) for p in _PARAGRAPH.findall(div))
    return () if found == ("None",) else found


def outcome_record(body: Json) -> OutcomeRecord:
    sections = {str(s.get("title")): s for s in body.get("section", [])}
    outcome = sections.get("Outcome") or {}
    summary = _paragraphs(outcome)
    status = first_code(outcome.get("code"))
    author = next((identifier_value(a) for a in body.get("author", [])), "")
    return OutcomeRecord(
        CASE_STATES.get(status, status),
        "" if summary == (status,) else " ".join(summary),
        _paragraphs(sections.get("Decisions") or {}),
        _paragraphs(sections.get("Actions") or {}),
        author,
    )
