"""The care co-ordinator's screens: the caseload, a patient's page and their shared plan.

The caseload is this person's patients (as co-ordinator or cover) with risk, cohorts and
next review, overdue first. A patient page shows the named co-ordinator and cover and
the patient's plans; a plan page shows goals in the patient's words, activities,
end-of-life preferences and every contribution with its author and organisation, and
one form to change the summary, record a review or add an activity. The form carries
the plan's version: when another organisation saved in between, care_plans answers 412
and the page shows their version beside these changes, pre-filled to save again on top
of theirs (nothing lost). Pages are addressed by resource ids, never NHS numbers.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from portal.service.bff import ServiceDown
from portal.service.bff.care_plans import PlanEdit, load_plan_page, save_plan
from portal.service.bff.care_plans_vocabulary import COORDINATOR_KINDS
from portal.service.bff.caseload import caseload, unassigned
from portal.web.http import add_page
from portal.web.staff.common import Staff, answered, read_part, staff
from portal.web.staff.forms import Problem, text

__all__ = ["Coordinator", "add_caseload_pages", "patient_view_page"]

Coordinator = Annotated[Staff, Depends(staff("care-coordinator", "gp"))]


async def _caseload(
    coordinator: Staff, title: str, reading: Awaitable[Any], **values: Any
) -> Response:
    """The caseload table of `reading`'s rows (the page itself when it is down)."""
    retry = coordinator.request.url.path
    values |= await read_part("rows", reading, retry)
    return coordinator.page("staff/caseload.html", title, today=coordinator.now().date(), **values)


async def caseload_page(coordinator: Coordinator) -> Response:
    today = coordinator.now().date()
    reading = caseload(coordinator.services.care_plans, coordinator.subject, today)
    return await _caseload(coordinator, "Your caseload", reading)


async def unassigned_page(coordinator: Coordinator) -> Response:
    today = coordinator.now().date()
    reading = unassigned(coordinator.services.care_plans, coordinator.organisation, today)
    title = "Patients with no named co-ordinator"
    return await _caseload(coordinator, title, reading, unassigned=True)


async def patient_view_page(
    coordinator: Staff, patient_id: str, plan_id: str = "", status_code: int = 200,
    **extra: Any,
) -> Response:  # fmt: skip
    here = f"/caseload/patients/{patient_id}" + (f"/plans/{plan_id}" if plan_id else "")
    template = "staff/caseload_plan.html" if plan_id else "staff/caseload_patient.html"
    with coordinator.down_page(template, "Care plan", here):
        page = await load_plan_page(coordinator.services.care_plans, patient_id, plan_id)
    if page is None:
        return coordinator.not_found()
    title = page.plan.title if page.plan else page.patient.name
    return coordinator.page(
        template, title, status_code, page=page, today=coordinator.now().date(),
        kinds=COORDINATOR_KINDS, **extra,
    )  # fmt: skip


async def patient_page(coordinator: Coordinator, patient_id: str) -> Response:
    assigned = coordinator.flag("assigned")
    return await patient_view_page(coordinator, patient_id, assigned=assigned)


async def plan_page(coordinator: Coordinator, patient_id: str, plan_id: str) -> Response:
    saved = coordinator.flag("saved")
    return await patient_view_page(coordinator, patient_id, plan_id, saved=saved)


def _read_edit(form: Any) -> tuple[PlanEdit, list[Problem]]:
    reviewed, problems = text(form, "reviewed_on", 10), list[Problem]()
    try:
        reviewed_on = date.fromisoformat(reviewed) if reviewed else None
    except ValueError:
        reviewed_on = None
        problems.append(("Enter the review date as a real date", "reviewed_on"))
    edit = PlanEdit(text(form, "description"), reviewed_on, text(form, "new_activity", 500))
    return edit, problems


async def save_plan_page(coordinator: Coordinator, patient_id: str, plan_id: str) -> Response:
    form = await coordinator.request.form()
    edit, errors = _read_edit(form)
    version = text(form, "version", 20)
    again = partial(patient_view_page, coordinator, patient_id, plan_id)
    if errors:
        return await again(400, errors=errors, typed=edit, version=version)
    try:
        answer = await save_plan(coordinator.services.care_plans, plan_id, version, edit)
    except ServiceDown as down:
        errors = [(f"{down.service} did not answer: your changes were not saved. Try again.", "")]
        return await again(503, errors=errors, typed=edit, version=version)
    if answer.result == "conflict":  # their plan now, beside these changes
        theirs = answer.theirs
        return await again(409, theirs=theirs, typed=edit, version=theirs and theirs.version)
    target = f"/caseload/patients/{patient_id}/plans/{plan_id}?saved=1"
    return await answered(
        coordinator, answer.result, answer.messages, again,
        target, "Care plans refused the change.", typed=edit, version=version,
    )  # fmt: skip


def add_caseload_pages(router: APIRouter) -> None:
    add_page(router, "/caseload", get=caseload_page)
    add_page(router, "/caseload/unassigned", get=unassigned_page)
    add_page(router, "/caseload/patients/{patient_id}", get=patient_page)
    plan = "/caseload/patients/{patient_id}/plans/{plan_id}"
    add_page(router, plan, get=plan_page, post=save_plan_page)
