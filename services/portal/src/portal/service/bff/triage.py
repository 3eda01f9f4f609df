"""The triage clinician's use cases, as calls to referrals with their own token.

The worklist is referrals' documented provider search (triage Tasks owned by the
services of the clinician's organisation, sorted by due date, the requests included);
a request page reads the request, its conversation, its triage notes and history; a
decision is one `$triage` with If-Match set to the version the clinician was looking
at, so someone else's decision in between comes back as a conflict (409/412) that the
page explains, keeping what this clinician typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from portal.service.bff import referrals_vocabulary as v
from portal.service.bff.client import FhirClient, WriteAnswer, if_match, write_answer
from portal.service.bff.clock import LONDON, BreachClock, breach_clock, parse_instant
from portal.service.bff.directory import services_of
from portal.service.bff.shapes import RequestView, ServiceOption, first_code, request_view

__all__ = [
    "WORKLIST_PAGE",
    "Decision",
    "WorklistFilters",
    "WorklistRow",
    "decide",
    "worklist",
]

WORKLIST_PAGE = 25
"""Requests per worklist page, soonest due first (each one read is audited by referrals)."""


@dataclass(frozen=True, slots=True)
class WorklistFilters:
    service: str = ""
    priority: str = ""
    state: str = ""
    due: str = ""
    """`overdue`, `today` or `week` (due within seven days)."""
    after: str = ""
    """Where the page starts: referrals' paging cursor from the previous page's link."""

    def query(self, **changes: str) -> str:
        """These filters (with `changes`) as the worklist's query string."""
        values = {"service": self.service, "priority": self.priority, "state": self.state,
                  "due": self.due, "after": self.after} | changes  # fmt: skip
        return urlencode([(k, v) for k, v in values.items() if v])


@dataclass(frozen=True, slots=True)
class WorklistRow:
    task_id: str
    request: RequestView
    service: str
    state: str
    clock: BreachClock

    @property
    def state_label(self) -> str:
        return v.STATE_LABELS.get(self.state, self.state)


@dataclass(frozen=True, slots=True)
class Worklist:
    services: list[ServiceOption]
    rows: list[WorklistRow] = field(default_factory=list)
    following: str = ""
    """The cursor of the next page, when there are more requests than this page shows."""


def _due_bound(due: str, now: datetime) -> tuple[str, str] | None:
    today = now.astimezone(LONDON).date()
    if due == "overdue":
        return ("due", f"lt{now.isoformat()}")
    if due in ("today", "week"):
        last = today + timedelta(days=7 if due == "week" else 0)
        end = datetime.combine(last, time(23, 59, 59), LONDON)
        return ("due", f"le{end.isoformat()}")
    return None


def _task_query(
    services: list[str], filters: WorklistFilters, now: datetime
) -> list[tuple[str, str]]:
    query = [
        ("owner", ",".join(f"HealthcareService/{s}" for s in services)),
        ("code", "triage"),
        ("business-status", filters.state or ",".join(v.OPEN_STATES)),
        ("_sort", "due"),
        ("_include", "Task:focus"),
        ("_count", str(WORKLIST_PAGE)),
    ]
    if filters.after:
        query.append(("_cursor", filters.after))
    if filters.priority:
        query.append(("priority", filters.priority))
    bound = _due_bound(filters.due, now)
    if bound:
        query.append(bound)
    return query


def _row(
    task: dict[str, Any], requests: dict[str, RequestView], names: dict[str, str], now: datetime
) -> WorklistRow | None:
    focus = str((task.get("focus") or {}).get("reference") or "")
    request = requests.get(focus)
    if request is None:
        return None
    owner = str((task.get("owner") or {}).get("reference") or "")
    state = first_code(task.get("businessStatus"))
    due = parse_instant(((task.get("restriction") or {}).get("period") or {}).get("end"))
    clock = breach_clock(due, now, paused=state != "awaiting-triage")
    return WorklistRow(str(task["id"]), request, names.get(owner, owner), state, clock)


async def worklist(
    api: FhirClient, organisation: str, filters: WorklistFilters, now: datetime
) -> Worklist:
    services = await services_of(api, organisation)
    chosen = [s.id for s in services if not filters.service or s.id == filters.service]
    if not chosen:
        return Worklist(services)
    reply = await api.get("Task", _task_query(chosen, filters, now))
    if not reply.ok:
        return Worklist(services)
    requests = {f"ServiceRequest/{r['id']}": request_view(r)
                for r in reply.resources("ServiceRequest")}  # fmt: skip
    names = {f"HealthcareService/{s.id}": s.name for s in services}
    tasks = reply.resources("Task")
    rows = [row for t in tasks if (row := _row(t, requests, names, now)) is not None]
    return Worklist(services, rows, _following(reply.body))


def _following(bundle: dict[str, Any]) -> str:
    """The `_cursor` of the bundle's next link ("" on the last page)."""
    for link in bundle.get("link", []):
        if link.get("relation") == "next":
            cursor = dict(parse_qsl(urlsplit(str(link.get("url") or "")).query)).get("_cursor")
            return cursor or ""
    return ""


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: str
    note: str = ""
    reason: str = ""
    redirect_to: str = ""

    def parameters(self) -> dict[str, Any]:
        params: list[dict[str, Any]] = [{"name": "outcome", "valueCode": self.outcome}]
        if self.note:
            params.append({"name": "note", "valueString": self.note})
        if self.reason:
            coding = {"system": v.REJECTION_REASON, "code": self.reason}
            coding["display"] = v.REJECTION_REASONS.get(self.reason, self.reason)
            params.append({"name": "reason", "valueCodeableConcept": {"coding": [coding]}})
        if self.redirect_to:
            reference = {"reference": f"HealthcareService/{self.redirect_to}"}
            params.append({"name": "redirectTo", "valueReference": reference})
        return {"resourceType": "Parameters", "parameter": params}


async def decide(api: FhirClient, request_id: str, version: str, decision: Decision) -> WriteAnswer:
    """`conflict` when someone else decided first."""
    path = f"ServiceRequest/{request_id}/$triage"
    reply = await api.post(path, decision.parameters(), if_match=if_match(version))
    return write_answer(reply)
