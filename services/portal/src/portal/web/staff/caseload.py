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

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from carecoord_shared.security.principal import Role
from portal.service.bff import ServiceDown
from portal.service.bff.care_plans import KINDS, PlanEdit, load_plan_page, save_plan
from portal.service.bff.caseload import caseload, unassigned
from portal.web.context import Context, Kit, SignedIn
from portal.web.staff.common import Clients, down_part, need_role, not_found, read_part
from portal.web.staff.forms import Problem, text

__all__ = ["add_caseload_pages", "patient_view_page"]

_ROLES: tuple[Role, ...] = ("care-coordinator", "gp")


async def caseload_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    need_role(request, kit, context, session, _ROLES)
    values: dict[str, Any] = {"today": kit.clock().date()}
    reading = caseload(services.care_plans, session.user.subject, values["today"])
    values |= await read_part("rows", reading, "/caseload")
    return kit.page(request, context, "staff/caseload.html", "Your caseload", **values)


async def unassigned_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients
) -> Response:
    need_role(request, kit, context, session, _ROLES)
    values: dict[str, Any] = {"today": kit.clock().date(), "unassigned": True}
    practice = session.user.organisation or ""
    reading = unassigned(services.care_plans, practice, values["today"])
    values |= await read_part("rows", reading, "/caseload/unassigned")
    title = "Patients with no named co-ordinator"
    return kit.page(request, context, "staff/caseload.html", title, **values)


async def patient_view_page(
    request: Request, kit: Kit, context: Context, services: Clients, patient_id: str,
    plan_id: str = "", status_code: int = 200, **extra: Any,
) -> Response:  # fmt: skip
    here = f"/caseload/patients/{patient_id}" + (f"/plans/{plan_id}" if plan_id else "")
    template = "staff/caseload_plan.html" if plan_id else "staff/caseload_patient.html"
    try:
        page = await load_plan_page(services.care_plans, patient_id, plan_id)
    except ServiceDown as down:
        return kit.page(
            request, context, template, "Care plan", 503, down=down_part(down.service, here)
        )
    if page is None:
        return not_found(request, kit, context)
    title = page.plan.title if page.plan else page.patient.name
    return kit.page(
        request, context, template, title, status_code,
        page=page, today=kit.clock().date(), kinds=KINDS, **extra,
    )  # fmt: skip


async def patient_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    patient_id: str,
) -> Response:  # fmt: skip
    need_role(request, kit, context, session, _ROLES)
    assigned = request.query_params.get("assigned") == "1"
    return await patient_view_page(request, kit, context, services, patient_id, assigned=assigned)


async def plan_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    patient_id: str, plan_id: str,
) -> Response:  # fmt: skip
    need_role(request, kit, context, session, _ROLES)
    saved = request.query_params.get("saved") == "1"
    return await patient_view_page(
        request, kit, context, services, patient_id, plan_id, saved=saved
    )


def _read_edit(form: Any) -> tuple[PlanEdit, list[Problem]]:
    reviewed, problems = text(form, "reviewed_on", 10), list[Problem]()
    try:
        reviewed_on = date.fromisoformat(reviewed) if reviewed else None
    except ValueError:
        reviewed_on = None
        problems.append(("Enter the review date as a real date", "reviewed_on"))
    edit = PlanEdit(text(form, "description"), reviewed_on, text(form, "new_activity", 500))
    return edit, problems


async def save_plan_page(
    request: Request, kit: Kit, context: Context, session: SignedIn, services: Clients,
    patient_id: str, plan_id: str,
) -> Response:  # fmt: skip
    need_role(request, kit, context, session, _ROLES)
    form = await request.form()
    edit, errors = _read_edit(form)
    version = text(form, "version", 20)
    again = (request, kit, context, services, patient_id, plan_id)
    if errors:
        return await patient_view_page(*again, 400, errors=errors, typed=edit, version=version)
    try:
        answer = await save_plan(services.care_plans, plan_id, version, edit)
    except ServiceDown as down:
        errors = [(f"{down.service} did not answer: your changes were not saved. Try again.", "")]
        return await patient_view_page(*again, 503, errors=errors, typed=edit, version=version)
    if answer.result == "saved":
        target = f"/caseload/patients/{patient_id}/plans/{plan_id}?saved=1"
        return RedirectResponse(target, status_code=303)
    if answer.result == "gone":
        return not_found(request, kit, context)
    if answer.result == "conflict":
        theirs = answer.theirs
        return await patient_view_page(
            *again, 409, theirs=theirs, typed=edit, version=theirs and theirs.version
        )
    errors = [(m, "") for m in answer.messages] or [("Care plans refused the change.", "")]
    return await patient_view_page(*again, 422, errors=errors, typed=edit, version=version)


def add_caseload_pages(router: APIRouter) -> None:
    router.add_api_route("/caseload", caseload_page, methods=["GET"])
    router.add_api_route("/caseload/unassigned", unassigned_page, methods=["GET"])
    router.add_api_route("/caseload/patients/{patient_id}", patient_page, methods=["GET"])
    plan = "/caseload/patients/{patient_id}/plans/{plan_id}"
    router.add_api_route(plan, plan_page, methods=["GET"])
    router.add_api_route(plan, save_plan_page, methods=["POST"])
