"""In-memory fakes of the mdt repositories.

Each fake subclasses the repository it stands for (so `tx.repository(Cases)` finds
it) and keeps its rows in dictionaries; `tests/store/test_<repo>_contract.py` runs the
same scenarios against each fake and against PostgreSQL, so a fake that drifts from
the real repository fails there. `tests/units.py` puts them in the kernel's
in-memory unit of work for the handler unit tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy.exc import IntegrityError

from carecoord_shared.ports import Repository
from carecoord_shared.store.repository import AccessRule, allow_all
from mdt.domain.cases import AssignedAction, Case, KnownPatient
from mdt.domain.model import WAITING_STATES
from mdt.domain.teams import Meeting, Member, Team
from mdt.store.actions import Actions
from mdt.store.cases import CASE_FIELDS, Cases
from mdt.store.meetings import Meetings
from mdt.store.patients import PATIENT_FIELDS, Patients
from mdt.store.teams import Teams


def _unique(what: str) -> IntegrityError:
    return IntegrityError(f"duplicate {what}", None, Exception(what))


class _Identified(Protocol):
    """A row: a dataclass with an `id`."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def id(self) -> str: ...


Row = TypeVar("Row", bound=_Identified)


class _ById(Generic[Row]):
    """Rows kept by id: each added once (again is the unique violation PostgreSQL
    raises), read by id, and changed a field at a time."""

    what: ClassVar[str]

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}

    async def add(self, row: Row) -> None:
        if row.id in self.rows:
            raise _unique(self.what)
        self.rows[row.id] = row

    async def get(self, row_id: str, *, lock: bool = False) -> Row | None:
        return self.rows.get(row_id)

    def _change(self, row_id: str, **values: Any) -> None:
        if row_id in self.rows:
            self.rows[row_id] = replace(self.rows[row_id], **values)


class InMemoryTeams(Teams):
    def __init__(self) -> None:
        self.teams: dict[str, Team] = {}
        self.names: dict[str, str | None] = {}
        self.created: dict[str, int] = {}
        self.membership: dict[str, list[Member]] = {}
        self._order = itertools.count()

    async def save(self, team: Team, name: str | None, members: Sequence[Member]) -> None:
        if len({m.user_id for m in members}) != len(members):
            raise _unique("member")
        self.created.setdefault(team.id, next(self._order))
        self.teams[team.id], self.names[team.id] = team, name
        self.membership[team.id] = list(members)

    async def close(self, mdt_id: str) -> None:
        if mdt_id in self.teams:
            self.teams[mdt_id] = replace(self.teams[mdt_id], active=False)
        self.membership[mdt_id] = []

    async def get(self, mdt_id: str) -> Team | None:
        return self.teams.get(mdt_id)

    async def serving(self, practice: str | None, locality: str | None) -> list[str]:
        if practice:
            found = [t for t in self.teams.values() if practice in t.practices]
        elif locality:
            found = [t for t in self.teams.values() if t.locality == locality]
        else:
            return []
        found = [t for t in found if t.active]
        found.sort(key=lambda t: (t.kind == "nursing-home", self.created[t.id], t.id))
        return [t.id for t in found]

    async def members(self, mdt_id: str) -> list[str]:
        return sorted(m.user_id for m in self.membership.get(mdt_id, []))

    async def is_member(self, mdt_id: str, user_id: str) -> bool:
        return user_id in await self.members(mdt_id)

    async def teams_of(self, user_id: str) -> list[str]:
        return sorted(
            mdt_id
            for mdt_id, members in self.membership.items()
            if any(m.user_id == user_id for m in members)
        )


class InMemoryMeetings(_ById[Meeting], Meetings):
    what = "meeting"

    async def next_after(self, mdt_id: str, after: datetime) -> Meeting | None:
        later = [
            m
            for m in self.rows.values()
            if m.mdt_id == mdt_id and m.starts_at > after and m.status == "booked"
        ]
        return min(later, key=lambda m: (m.starts_at, m.id), default=None)

    async def team_of_list(self, list_id: str) -> str | None:
        return next((m.mdt_id for m in self.rows.values() if m.list_id == list_id), None)

    async def set_list(self, meeting_id: str, list_id: str) -> None:
        self._change(meeting_id, list_id=list_id)

    async def held(self, meeting_id: str) -> None:
        self._change(meeting_id, status="held")


class InMemoryCases(_ById[Case], Cases):
    what = "open case"

    def __init__(self, meetings: InMemoryMeetings) -> None:
        super().__init__()
        self._meetings = meetings

    def _open(self, mdt_id: str, patient_nhs: str) -> Case | None:
        return next(
            (
                c
                for c in self.rows.values()
                if c.open and (c.mdt_id, c.patient_nhs) == (mdt_id, patient_nhs)
            ),
            None,
        )

    async def open_case(self, mdt_id: str, patient_nhs: str) -> Case | None:
        return self._open(mdt_id, patient_nhs)

    async def add(self, case: Case) -> None:
        if case.open and self._open(case.mdt_id, case.patient_nhs):
            raise _unique(self.what)
        await super().add(case)

    async def update(self, case_id: str, **changes: Any) -> None:
        unknown = set(changes) - CASE_FIELDS
        if unknown:
            raise ValueError(f"a case has no field {sorted(unknown)}")
        if case_id in self.rows:
            changed = replace(self.rows[case_id], **changes)
            clash = self._open(changed.mdt_id, changed.patient_nhs)
            if changed.open and clash is not None and clash.id != case_id:
                raise _unique("open case")
            self.rows[case_id] = changed

    async def waiting_for(self, mdt_id: str, meeting_id: str, starts_at: datetime) -> list[Case]:
        earlier = {
            m.id
            for m in self._meetings.rows.values()
            if m.mdt_id == mdt_id and m.starts_at < starts_at
        }
        return sorted(
            (
                c
                for c in self.rows.values()
                if c.mdt_id == mdt_id
                and c.open
                and c.state in WAITING_STATES
                and (c.meeting_id is None or c.meeting_id == meeting_id or c.meeting_id in earlier)
            ),
            key=lambda c: c.id,
        )

    async def refresh_risk(self, patient_nhs: str, risk: float) -> None:
        for case in list(self.rows.values()):
            if case.open and case.patient_nhs == patient_nhs:
                self.rows[case.id] = replace(case, risk=risk)

    async def open_patients(self, mdt_id: str) -> list[str]:
        return sorted(c.patient_nhs for c in self.rows.values() if c.open and c.mdt_id == mdt_id)


def _longest_overdue(found: list[AssignedAction], limit: int) -> list[AssignedAction]:
    return sorted(found, key=lambda a: (a.due_on, a.id))[:limit]


class InMemoryActions(_ById[AssignedAction], Actions):
    what = "action"

    def __init__(self, cases: InMemoryCases) -> None:
        super().__init__()
        self._cases = cases

    async def set_state(self, action_id: str, state: str) -> None:
        self._change(action_id, state=state)

    async def escalated(self, action_id: str, at: datetime) -> None:
        self._change(action_id, overdue_at=at)

    async def overdue(self, today: date, limit: int = 100) -> list[AssignedAction]:
        return _longest_overdue([a for a in self.rows.values() if a.is_overdue(today)], limit)

    def _of_team(self, mdt_id: str) -> list[AssignedAction]:
        teams = {case.id: case.mdt_id for case in self._cases.rows.values()}
        return [a for a in self.rows.values() if teams.get(a.case_id) == mdt_id]

    async def tally(self, mdt_id: str, today: date) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        for action in self._of_team(mdt_id):
            count, late = found.get(action.state, (0, 0))
            found[action.state] = (count + 1, late + int(action.is_late(today)))
        return found

    async def late(
        self, mdt_id: str, today: date, visible: AccessRule = allow_all, limit: int = 100
    ) -> list[AssignedAction]:
        if visible is not allow_all:
            raise NotImplementedError("an access rule is SQL: it is tested on PostgreSQL")
        return _longest_overdue([a for a in self._of_team(mdt_id) if a.is_late(today)], limit)


@dataclass(frozen=True, slots=True)
class _Activity:
    reference: str
    patient_nhs: str
    kind: str
    at: datetime


class InMemoryPatients(Patients):
    def __init__(self) -> None:
        self.known: dict[str, KnownPatient] = {}
        self.activity: dict[str, _Activity] = {}

    async def update(self, patient_nhs: str, **values: Any) -> None:
        unknown = set(values) - PATIENT_FIELDS
        if unknown:
            raise ValueError(f"a known patient has no field {sorted(unknown)}")
        if "cohorts" in values:
            values["cohorts"] = tuple(values["cohorts"] or ())
        current = self.known.get(patient_nhs, KnownPatient(patient_nhs))
        self.known[patient_nhs] = replace(current, **values)

    async def get(self, patient_nhs: str) -> KnownPatient | None:
        return self.known.get(patient_nhs)

    async def many(self, numbers: Sequence[str]) -> dict[str, KnownPatient]:
        return {n: self.known[n] for n in numbers if n in self.known}

    async def record_activity(
        self, reference: str, patient_nhs: str, kind: str, at: datetime
    ) -> None:
        self.activity.setdefault(reference, _Activity(reference, patient_nhs, kind, at))

    def _since(self, numbers: Sequence[str], since: datetime) -> list[_Activity]:
        found = [a for a in self.activity.values() if a.patient_nhs in numbers and a.at >= since]
        return sorted(found, key=lambda a: (a.at, a.reference))

    async def recent_activity(
        self, patient_nhs: str, since: datetime, kind: str | None = None
    ) -> list[str]:
        found = self._since([patient_nhs], since)
        return [a.reference for a in found if kind is None or a.kind == kind]

    async def activity_of(self, numbers: Sequence[str], since: datetime) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for activity in self._since(numbers, since):
            found.setdefault(activity.patient_nhs, []).append(activity.reference)
        return found


@dataclass
class FakeStore:
    """Every mdt repository, in memory, sharing one set of rows."""

    teams: InMemoryTeams = field(default_factory=InMemoryTeams)
    meetings: InMemoryMeetings = field(default_factory=InMemoryMeetings)
    patients: InMemoryPatients = field(default_factory=InMemoryPatients)
    cases: InMemoryCases = field(init=False)
    actions: InMemoryActions = field(init=False)

    def __post_init__(self) -> None:
        self.cases = InMemoryCases(self.meetings)
        self.actions = InMemoryActions(self.cases)

    def repositories(self) -> dict[type[Repository], Repository]:
        return {
            Teams: self.teams,
            Meetings: self.meetings,
            Cases: self.cases,
            Actions: self.actions,
            Patients: self.patients,
        }
