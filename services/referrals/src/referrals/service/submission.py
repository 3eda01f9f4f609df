"""Submitting an A&G request or referral: number it, route it, start its clock.

One dedicated create path (POST ServiceRequest) rather than the generic create plus
a change hook, because the UBRN must be in the stored request and the request, its
triage Task, the provider's access and both events must commit together: a hook
only sees the request after it is stored, and could not give the request its UBRN
and performer without writing a second version.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from carecoord_shared.fhir.identifiers import UBRN_SYSTEM
from carecoord_shared.fhir.outcome import JsonObject, business_rule, forbidden, invalid
from carecoord_shared.fhir.registry import Interaction
from carecoord_shared.fhir.unit_of_work import FhirTransaction, checked
from carecoord_shared.security import access
from carecoord_shared.store.repository import StoredResource
from referrals.domain import vocabulary as v
from referrals.domain.triage import TriageState
from referrals.domain.ubrn import UbrnKind
from referrals.service import announce, shapes
from referrals.service.context import Referrals
from referrals.service.routing import provider_of, route
from referrals.store import cases
from referrals.store.tables import ubrn as ubrn_table


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


async def submit(
    tx: FhirTransaction, ctx: Referrals, body: JsonObject, if_none_exist: str | None
) -> tuple[StoredResource, bool]:
    checked(tx.definition("ServiceRequest", Interaction.CREATE), body, None)
    if not await access.can_access(tx.conn, tx.principal, shapes.nhs_number_of(body)):
        raise forbidden("You have no care relationship with this patient")
    category = shapes.category_of(body)
    practice = referring_practice(tx, body)
    assert category is not None  # submission_issues made sure
    reserved = None
    if shapes.ubrn_of(body) is None:
        kind: UbrnKind = "a" if category == v.ADVICE_AND_GUIDANCE else "r"
        reserved = await cases.reserve_ubrn(tx.conn, kind)
        body["identifier"] = [
            *body.get("identifier", []),
            {"system": UBRN_SYSTEM, "value": reserved},
        ]
    service = await route(tx, body, category, practice) if routable(body) else None
    state = TriageState.AWAITING_TRIAGE.value if service else v.AWAITING_ROUTING
    if service is not None:
        body["performer"] = [{"reference": service.reference}]
    body["extension"] = [
        *body.get("extension", []),
        {"url": shapes.TRIAGE_STATE_EXTENSION, "valueCode": state},
    ]
    stored, created = await tx.create("ServiceRequest", body, if_none_exist=if_none_exist)
    if not created:
        if reserved:
            await tx.conn.execute(delete(ubrn_table).where(ubrn_table.c.value == reserved))
        return stored, False
    if reserved:
        await cases.bind_ubrn(tx.conn, reserved, stored.reference)
    if service is not None:
        await start_triage(tx, ctx, stored, service, practice, ctx.now())
    return stored, True


def routable(request: JsonObject) -> bool:
    """A request naming neither a service nor a specialty is kept but not triaged
    (triage-state `awaiting-routing`, on the referrer's worklist) until it names one."""
    return bool(request.get("performer") or request.get("performerType"))


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
    body = request.as_json()
    nhs_number, ubrn = shapes.nhs_number_of(body), shapes.ubrn_of(body)
    if nhs_number is None or ubrn is None:
        raise invalid(shapes.submission_issues(body))
    provider = provider_of(service)
    if provider is not None:
        # The provider joins the patient's care team for this request (kernel reason
        # 'care-team'; a 'referral' reason is proposed in the README).
        await access.grant(tx.conn, nhs_number, "organisation", provider, "care-team")
    priority = str(body.get("priority", "routine"))
    target = shapes.service_targets(service.as_json())[priority]
    due = ctx.calendar.due(now, target)
    task_body = shapes.triage_task(request.reference, body, service.reference, now, due)
    task, _ = await tx.create("Task", task_body)
    await cases.open_case(
        tx.conn,
        cases.TriageCase(
            task=task.reference,
            service_request=request.reference,
            ubrn=ubrn,
            nhs_number=nhs_number,
            service=service.reference,
            requester_ods=practice,
            priority=priority,
            target_days=target,
            state=TriageState.AWAITING_TRIAGE,
            submitted_at=now,
            due_at=due,
        ),
    )
    await announce.routed(
        tx.conn,
        ctx.topic,
        request=request.reference,
        ubrn=ubrn,
        nhs_number=nhs_number,
        service=service.reference,
        task=task.reference,
        due=due,
    )
    return task.reference
