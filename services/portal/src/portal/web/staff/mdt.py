"""The MDT member's screens: my MDTs and meetings, a meeting's case list, meeting mode.

Meeting mode is one case at a time: the case summary (question, urgency, why it was
listed, the preparation checklist, what was attached) and the outcome form, with
previous/next links and "save and next" (access keys and a plain tab order, so the
chair never needs a mouse). Every action is a form that posts and redirects, so it
works with JavaScript off; with it on, htmx swaps the page's main part in place. A
case whose outcome someone else recorded first comes back as a conflict: the page
shows what they recorded beside what this chair typed (kept), and lets them send it
again when the case is still open. When the mdt service does not answer, the page says
so with a retry and everything else (header, navigation, sign-out) still works.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from portal.service.bff import ServiceDown
from portal.service.bff.clock import LONDON
from portal.service.bff.mdt import hold_meeting, load_meeting, load_meeting_case, my_teams
from portal.service.bff.mdt_context import CaseContext, case_context
from portal.service.bff.mdt_outcomes import (
    OutcomeForm,
    current_outcome,
    finish_meeting,
    record_outcome,
)
from portal.service.bff.mdt_quorum import case_gaps, missing_core
from portal.service.bff.mdt_shapes import CaseView, MeetingPage
from portal.service.bff.mdt_vocabulary import CASE_OUTCOMES
from portal.web.http import add_page
from portal.web.staff.common import Staff, StaffClients, answered, fhir_ids, read_part
from portal.web.staff.mdt_actions import add_mdt_action_pages
from portal.web.staff.mdt_board import Member, add_mdt_board_pages
from portal.web.staff.mdt_form import ACTION_ROWS, read_outcome

__all__ = ["add_mdt_pages"]


async def teams_page(member: Member) -> Response:
    reading = my_teams(member.services.mdt, member.subject, member.now())
    values = await read_part("teams", reading, "/mdt")
    return member.page("staff/mdt_teams.html", "Your MDTs and meetings", **values)


async def meeting_page(member: Member, meeting_id: str) -> Response:
    fhir_ids(member, meeting_id)
    return await _meeting(member, meeting_id)


async def _meeting(
    member: Staff, meeting_id: str, status_code: int = 200, **extra: Any
) -> Response:
    template = "staff/mdt_meeting.html"
    with member.down_page(template, "MDT meeting", f"/mdt/meetings/{meeting_id}"):
        found = await load_meeting(member.services.mdt, meeting_id, member.subject)
    if found is None:
        return member.not_found()
    first = next((c.id for c in found.cases if c.due_at(meeting_id)), None)
    return member.page(
        template, f"{found.team.name}: meeting", status_code,
        page=found, first_open=first, finished=member.flag("finished"),
        moved=member.query("moved", 3), **_quorum(found), **extra,
    )  # fmt: skip


async def record_attendance(member: Member, meeting_id: str) -> Response:
    fhir_ids(member, meeting_id)
    present = [str(u)[:64] for u in (await member.request.form()).getlist("attendee")]
    if not present:
        errors = [("Choose who is at the meeting", "attendee")]
        return await _meeting(member, meeting_id, 400, errors=errors)
    try:
        problems = await hold_meeting(member.services.mdt, meeting_id, present)
    except ServiceDown as down:
        problems = [f"{down.service} did not answer: attendance was not saved. Try again."]
    if problems:
        errors = [(m, "attendee") for m in problems]
        return await _meeting(member, meeting_id, 409, errors=errors)
    return RedirectResponse(f"/mdt/meetings/{meeting_id}#attendance", status_code=303)


async def finish(member: Member, meeting_id: str) -> Response:
    """ "Finish meeting": the cases not reached move to the next meeting."""
    fhir_ids(member, meeting_id)
    try:
        page = await load_meeting(member.services.mdt, meeting_id, member.subject)
        if page is None:
            return member.not_found()
        moved, problems = await finish_meeting(member.services.mdt, page)
    except ServiceDown as down:
        errors = [(f"{down.service} did not answer: the meeting was not finished. Try again.", "")]
        return await _meeting(member, meeting_id, 503, errors=errors)
    if problems:
        return await _meeting(member, meeting_id, 409, errors=[(m, "") for m in problems])
    return RedirectResponse(f"/mdt/meetings/{meeting_id}?finished=1&moved={moved}", 303)


def _quorum(page: MeetingPage) -> dict[str, Any]:
    """Once attendance is taken: the core disciplines nobody present covers, and per case
    the disciplines it calls for that nobody present covers."""
    if page.attended is None:
        return {}
    present = page.present()
    gaps = {c.id: case_gaps(c, present) for c in page.cases}
    return {"missing_core": missing_core(present), "gaps": gaps}


def _next_open(page: MeetingPage, index: int) -> str | None:
    """The first case after `index` that this meeting still has to record."""
    return next((c.id for c in page.cases[index + 1 :] if c.due_at(page.meeting.id)), None)


async def _case_page(
    member: Staff, meeting_id: str, case_id: str, status_code: int = 200, **extra: Any
) -> Response:
    template, mdt, now = "staff/mdt_case.html", member.services.mdt, member.now()
    with member.down_page(template, "Meeting mode", f"/mdt/meetings/{meeting_id}/cases/{case_id}"):
        found = await load_meeting_case(mdt, meeting_id, case_id, member.subject)
        case = found.case if found is not None else None
        recorded, about = await asyncio.gather(
            current_outcome(mdt, case.outcome_ref if case else ""), _about(member.services, case)
        )
    if found is None or case is None:
        return member.not_found()
    page, number = found.page, found.index + 1
    return member.page(
        template, f"Case {number} of {len(found.listed)}",
        status_code, page=page, case=case, number=number,
        gaps=None if page.attended is None else case_gaps(case, page.present()),
        recorded=recorded, about=about, today_date=now.date(), outcomes=CASE_OUTCOMES,
        owners=page.team.owners(),
        rows=range(1, ACTION_ROWS + 1), started=now.isoformat(timespec="seconds"),
        opened=f"{now.astimezone(LONDON):%H:%M}",
        today=now.date().isoformat(), **found.neighbours(), **extra,
    )  # fmt: skip


async def _about(services: StaffClients, case: CaseView | None) -> CaseContext:
    """The patient's plan and recent referrals, for a case on this meeting's list."""
    if case is None or not case.nhs_number:
        return CaseContext()
    return await case_context(services.care_plans, services.referrals, case.nhs_number)


async def case_page(member: Member, meeting_id: str, case_id: str) -> Response:
    fhir_ids(member, meeting_id, case_id)
    saved = CASE_OUTCOMES.get(member.query("saved", 64), "")
    return await _case_page(member, meeting_id, case_id, saved=saved, moved=member.flag("moved"))


async def save_outcome(member: Member, meeting_id: str, case_id: str) -> Response:
    fhir_ids(member, meeting_id, case_id)
    form = await member.request.form()
    typed, version = read_outcome(form, member.now()), str(form.get("version") or "")
    again = partial(_case_page, member, meeting_id, case_id)
    try:
        page = await load_meeting(member.services.mdt, meeting_id, member.subject)
        if page is None or page.position(case_id) is None:
            return member.not_found()
        errors = typed.problems(member.now().date(), set(page.team.owners()))
        if errors:
            return await again(400, errors=errors, typed=typed)
        answer = await record_outcome(member.services.mdt, case_id, version, typed)
    except ServiceDown as down:
        errors = [(f"{down.service} did not answer: the outcome was not saved. Try again.", "")]
        return await again(503, errors=errors, typed=typed)
    done, refused = _after_save(form.get("then"), page, case_id, typed), "The MDT service refused"
    return await answered(
        member, answer.result, answer.messages, again, done, f"{refused} the outcome.", typed=typed
    )


def _after_save(then: object, page: MeetingPage, case_id: str, typed: OutcomeForm) -> str:
    base = f"/mdt/meetings/{page.meeting.id}"
    if then == "next":
        index = page.position(case_id) or 0
        following = _next_open(page, index)
        if following:
            return f"{base}/cases/{following}?saved={typed.status}&moved=1"
        return f"{base}?finished=1"
    return f"{base}/cases/{case_id}?saved={typed.status}"


def add_mdt_pages(router: APIRouter) -> None:
    add_page(router, "/mdt", get=teams_page)
    add_mdt_board_pages(router)  # before /mdt/meetings/...: the members' actions board
    add_page(router, "/mdt/meetings/{meeting_id}", get=meeting_page)
    add_page(router, "/mdt/meetings/{meeting_id}/attendance", post=record_attendance)
    add_page(router, "/mdt/meetings/{meeting_id}/finish", post=finish)
    case = "/mdt/meetings/{meeting_id}/cases/{case_id}"
    add_page(router, case, get=case_page, post=save_outcome)
    add_mdt_action_pages(router)  # the GP's side of the same outcomes
