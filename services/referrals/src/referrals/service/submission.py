"""Submitting an A&G request or referral: number it, route it, start its clock.

The REST create of a ServiceRequest (the type's `writes` handler) rather than the
generic create plus a later step, because the UBRN and performer must be in the
stored request, and the request, its triage Task, the provider's access and the
events must commit together: anything after the store could only add them by
writing a second version.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from carecoord_shared.fhir.outcome import JsonObject, business_rule, invalid
from carecoord_shared.fhir.registry import Interaction, Write, WriteHandler
from carecoord_shared.fhir.unit_of_work import FhirTransaction, checked
from carecoord_shared.store.repository import StoredResource, new_id
from referrals.domain import vocabulary as v
from referrals.domain.records import TriageCase
from referrals.domain.triage import TriageState
from referrals.domain.ubrn import UbrnKind
from referrals.fhir import shapes, tasks
from referrals.service import announce, requests
from referrals.service.context import Referrals
from referrals.service.routing import provider_of, route
from referrals.store.cases import TriageCases
from referrals.store.ubrns import Ubrns


def referring_practice(tx: FhirTransaction, request: JsonObject) -> str:
    """The practice the request comes from: the caller's organisation, which must be
    the requester's when the requester names one by ODS code."""
    named = shapes.ods_of(request.get("requester"))
    own = tx.principal.organisation
    if named and own and named != own:
        raise business_rule(
            "You can only refer on behalf of your own organisation", ("ServiceRequest.requester",)
        )
    practice = named or own
    if practice is None:
        raise business_rule(
            "The requester must name the practice by ODS code", ("ServiceRequest.requester",)
        )
    return practice


def routable(request: JsonObject) -> bool:
    """A request naming neither a service nor a specialty is kept but not triaged
    (triage-state `awaiting-routing`, on the referrer's worklist) until it names one."""
    return bool(request.get("performer") or request.get("performerType"))


async def _acceptable(tx: FhirTransaction, body: JsonObject) -> str:
    """Valid (400), about a patient of the caller's (403, audited), from the caller's
    practice (422), in that order; the referring practice. Checked once: the store is
    then told so (`prechecked`)."""
    checked(tx.definition("ServiceRequest", Interaction.CREATE), body, None)
    nhs_number = shapes.nhs_number_of(body)
    if not await tx.may_access(nhs_number):
        await tx.refuse("C", "ServiceRequest", nhs_number)
    return referring_practice(tx, body)


async def submit(
    tx: FhirTransaction, ctx: Referrals, body: JsonObject, if_none_exist: str | None
) -> tuple[StoredResource, bool]:
    practice = await _acceptable(tx, body)
    category = shapes.category_of(body)
    assert category is not None  # submission_issues made sure
    service = await route(tx, body, category, practice) if routable(body) else None
    state = TriageState.AWAITING_TRIAGE.value if service else v.AWAITING_ROUTING
    if service is not None:
        body["performer"] = [{"reference": service.reference}]
    body["extension"] = [
        *body.get("extension", []),
        {"url": v.TRIAGE_STATE_EXTENSION, "valueCode": state},
    ]
    # The request's id (and its Task's) are chosen first, so a new UBRN is held for it,
    # and its triage case opened with the UBRN, in one statement.
    request_id = new_id()
    reference = f"{requests.KIND}/{request_id}"
    planned = None
    if service is not None:
        planned = planned_triage(ctx, reference, body, service, practice, ctx.now())
    ubrns = tx.repository(Ubrns)
    reserved = None
    if shapes.ubrn_of(body) is None:
        kind: UbrnKind = "a" if category == v.ADVICE_AND_GUIDANCE else "r"
        reserved = await ubrns.reserve(kind, reference, planned.case if planned else None)
        body["identifier"] = [
            *body.get("identifier", []),
            {"system": v.UBRN_SYSTEM, "value": reserved},
        ]
    if planned is not None and if_none_exist is None:
        opened = reserved is not None
        return await _filed_with_task(tx, planned, body, request_id, opened=opened), True
    stored, created = await requests.file(
        tx, body, if_none_exist=if_none_exist, resource_id=request_id, prechecked=True
    )
    if not created:
        if reserved:
            await ubrns.release(reserved, reference)
        return stored, False
    if planned is not None:
        await _triage(tx, planned, stored, opened=reserved is not None)
    return stored, True


@dataclass(frozen=True, slots=True)
class PlannedTriage:
    """A routed request's triage, known before the request is stored: the service, its
    Task's id, and the case it opens (`unnumbered`: the request's UBRN still to give)."""

    service: StoredResource
    task_id: str
    unnumbered: TriageCase

    def case(self, ubrn: str) -> TriageCase:
        return replace(self.unnumbered, ubrn=ubrn)


def planned_triage(
    ctx: Referrals,
    request: str,
    body: JsonObject,
    service: StoredResource,
    practice: str,
    now: datetime,
) -> PlannedTriage:
    nhs_number = shapes.nhs_number_of(body)
    if nhs_number is None:
        raise invalid(shapes.submission_issues(body))
    priority = str(body.get("priority", "routine"))
    target = shapes.service_targets(service.as_json())[priority]
    task_id = new_id()
    case = TriageCase(
        task=f"Task/{task_id}",
        service_request=request,
        ubrn="",
        nhs_number=nhs_number,
        service=service.reference,
        requester_ods=practice,
        priority=priority,
        target_days=target,
        state=TriageState.AWAITING_TRIAGE,
        submitted_at=now,
        due_at=ctx.calendar.due(now, target),
    )
    return PlannedTriage(service, task_id, case)


async def start_triage(
    tx: FhirTransaction,
    ctx: Referrals,
    request: StoredResource,
    service: StoredResource,
    practice: str,
    now: datetime,
) -> str:
    """Give `service` the request: its access to the patient, a triage Task with the due
    date, a case on the clock, and the routed event. Returns the Task's reference."""
    planned = planned_triage(ctx, request.reference, request.as_json(), service, practice, now)
    return await _triage(tx, planned, request, opened=False)


async def _triage(
    tx: FhirTransaction, planned: PlannedTriage, request: StoredResource, *, opened: bool
) -> str:
    """`start_triage` of a planned triage (`opened`: its case is open already)."""
    body = request.as_json()
    case = _case_of(planned, body)
    task_body = tasks.triage_task(
        request.reference, body, case.service, case.submitted_at, case.due_at
    )
    task, _ = await tx.create("Task", task_body, resource_id=planned.task_id)
    await _routed(tx, planned, case, request.reference, task.reference, opened=opened)
    return task.reference


async def _filed_with_task(
    tx: FhirTransaction, planned: PlannedTriage, body: JsonObject, request_id: str, *, opened: bool
) -> StoredResource:
    """A new routed request (checked by `submit`) and its triage Task (built here from
    its checked parts) stored in one statement; announced, and the triage started."""
    case = _case_of(planned, body)
    reference = f"{requests.KIND}/{request_id}"
    task_body = tasks.triage_task(reference, body, case.service, case.submitted_at, case.due_at)
    request, task = await tx.create_together(
        [
            (requests.KIND, body, request_id, "done"),
            ("Task", task_body, planned.task_id, "server_built"),
        ]
    )
    await announce.request_changed(tx, request, body)
    await _routed(tx, planned, case, reference, task.reference, opened=opened)
    return request


def _case_of(planned: PlannedTriage, request: JsonObject) -> TriageCase:
    ubrn = shapes.ubrn_of(request)
    if ubrn is None:
        raise invalid(shapes.submission_issues(request))
    return planned.case(ubrn)


async def _routed(
    tx: FhirTransaction,
    planned: PlannedTriage,
    case: TriageCase,
    request: str,
    task: str,
    *,
    opened: bool,
) -> None:
    """The provider joins the patient's care team for the request, its case is opened
    (unless `opened` already) and the request announced as routed."""
    provider = provider_of(planned.service)
    if provider is not None:
        await tx.grants.grant(case.nhs_number, "organisation", provider, v.CARE_TEAM)
    if not opened:
        await tx.repository(TriageCases).open(case)
    await announce.routed(tx, request, case, task, case.due_at)


def writes(ctx: Referrals) -> WriteHandler:
    """The REST writes of ServiceRequest: a create is a submission, the rest are stored
    as sent and announced."""

    async def handle(tx: FhirTransaction, write: Write) -> tuple[StoredResource | None, bool]:
        if write.kind == "create":
            assert write.body is not None
            return await submit(tx, ctx, write.body, write.if_none_exist)
        return await requests.rest_write(tx, write)

    return handle
