"""Handover and cover: a co-ordinator names who takes over the patient, or who covers
until a date, always with a reason (DOMAIN.md, "Named care co-ordinators": assignment
is time-bounded; cover and handover are recorded).

The form is on the patient's page; care_plans' `$assign-coordinator` ends the running
co-ordinator on a handover, keeps cover beside them until its end, records who did it
and why (Provenance), and moves the care-team access.
"""

from __future__ import annotations

import re
from datetime import date

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from portal.service.bff import ServiceDown
from portal.service.bff.care_plans import Assignment, assign
from portal.service.bff.care_plans_vocabulary import COORDINATOR_KINDS
from portal.web.http import add_page
from portal.web.staff.caseload import Coordinator, patient_view_page
from portal.web.staff.forms import Problem, text

__all__ = ["add_team_pages"]

_SDS = re.compile(r"[0-9]{6,20}")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def read_assignment(form: FormData, today: date) -> tuple[Assignment, list[Problem]]:
    cover = text(form, "change", 16) == "cover"
    until = _day(text(form, "cover_until", 10)) if cover else None
    assignment = Assignment(
        text(form, "name", 120), text(form, "sds_user_id", 20), text(form, "phone", 32),
        text(form, "kind", 32), until, text(form, "reason", 200),
    )  # fmt: skip
    problems: list[Problem] = []
    if not assignment.name:
        problems.append(("Enter the name of the person taking over or covering", "name"))
    if not _SDS.fullmatch(assignment.sds_user_id):
        problems.append(("Enter their smartcard (SDS) user id, 6 to 20 digits", "sds_user_id"))
    if assignment.kind not in COORDINATOR_KINDS:
        problems.append(("Choose their role for this patient", "kind"))
    if cover and (until is None or until <= today):
        problems.append(("Enter the last day of cover, after today", "cover_until"))
    if not assignment.reason:
        problems.append(("Enter the reason for the change", "reason"))
    return assignment, problems


async def change_coordinator(coordinator: Coordinator, patient_id: str) -> Response:
    form = await coordinator.request.form()
    assignment, errors = read_assignment(form, coordinator.now().date())
    status = 400
    if not errors:
        try:
            refused = await assign(coordinator.services.care_plans, patient_id, assignment)
        except ServiceDown as down:
            refused = [f"{down.service} did not answer: nothing was changed. Try again."]
        if not refused:
            target = f"/caseload/patients/{patient_id}?assigned=1"
            return RedirectResponse(target, status_code=303)
        errors, status = [(m, "") for m in refused], 422
    return await patient_view_page(
        coordinator, patient_id, status_code=status, errors=errors, typed=assignment
    )


def add_team_pages(router: APIRouter) -> None:
    add_page(router, "/caseload/patients/{patient_id}/coordinator", post=change_coordinator)
