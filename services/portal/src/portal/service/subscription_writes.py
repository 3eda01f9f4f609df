"""Creating, changing and deleting partner Subscriptions over REST.

The type's own write handler (the kernel calls it for every REST write of a
Subscription): only a system client bound to a data-sharing agreement may subscribe;
a partner changes and deletes only its own subscriptions (another's answers 404, as an
unknown id); topic, filters, endpoint, payload and secret are checked with an
OperationOutcome naming the element; the secret is kept apart and never stored in the
resource. A write asks for activation: the delivery loop makes the handshake.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carecoord_shared.fhir.outcome import (
    JsonObject,
    bad_request,
    business_rule,
    forbidden,
    not_found,
)
from carecoord_shared.fhir.registry import Interaction, Write
from carecoord_shared.fhir.unit_of_work import FhirTransaction, checked
from carecoord_shared.store.repository import StoredResource
from portal.domain.subscriptions import PartnerSubscription, SubscriptionSpec
from portal.domain.topics import Topic
from portal.domain.webhooks import endpoint_problem, secret_problem
from portal.fhir.subscription_shape import (
    SECRET_EXTENSION,
    read_subscription,
    with_status,
    without_secret,
)
from portal.service.context import PortalContext
from portal.store.subscription_wake import SubscriptionWake
from portal.store.subscriptions import SubscriptionRows

__all__ = ["write_subscription"]

_SECRET_AT = ("Subscription.channel.extension",)


def _checked_spec(
    tx: FhirTransaction, context: PortalContext, body: JsonObject
) -> tuple[SubscriptionSpec, Topic]:
    spec, topic = read_subscription(body)
    problem = endpoint_problem(spec.endpoint, context.settings.environment)
    if problem:
        raise bad_request(problem, ("Subscription.channel.endpoint",))
    if spec.payload == "full-resource" and not tx.principal.allows(topic.focus_type, "r"):
        raise business_rule(  # the partner's own scope, as the owning service would check it
            f"Your access does not allow reading {topic.focus_type}: use id-only or empty",
            ("Subscription.channel.payload",),
        )
    if spec.secret is not None and (problem := secret_problem(spec.secret)):
        raise bad_request(problem, _SECRET_AT)
    return spec, topic


def _partner(tx: FhirTransaction) -> str:
    principal = tx.principal
    if principal.kind != "system" or not principal.agreement:
        raise forbidden("Only partner systems with a data-sharing agreement may subscribe")
    return principal.subject


def _row(
    subscription_id: str,
    partner: str,
    spec: SubscriptionSpec,
    secrets: list[str],
    agreement: list[str],
    now: datetime,
) -> dict[str, Any]:
    return {
        "id": subscription_id,
        "partner": partner,
        "topic": spec.topic,
        "filters": dict(spec.filters),
        "endpoint": spec.endpoint,
        "headers": list(spec.headers),
        "payload": spec.payload,
        "heartbeat_s": spec.heartbeat_s,
        "timeout_s": spec.timeout_s,
        "max_count": spec.max_count,
        "secrets": secrets,
        "agreement": agreement,
        "contact": spec.contact,
        "status": spec.status,
        "error": None,
        "failures": 0,
        "next_attempt_at": None,
        "lease_until": None,
        "created_at": now,
    }


async def _create(tx: FhirTransaction, context: PortalContext, write: Write) -> StoredResource:
    partner = _partner(tx)
    assert write.body is not None
    if write.if_none_exist is not None:
        raise bad_request("Conditional create is not offered for Subscription", ("If-None-Exist",))
    checked(tx.definition("Subscription", Interaction.CREATE), write.body, None)
    spec, _ = _checked_spec(tx, context, write.body)
    if spec.secret is None:
        text = f"A webhook secret (whsec_, at least 24 bytes) is required in {SECRET_EXTENSION}"
        raise bad_request(text, _SECRET_AT, "required")
    body = with_status(without_secret(write.body), spec.status, None)
    stored, _ = await tx.create("Subscription", body, prechecked=True)
    values = _row(
        stored.id, partner, spec, [spec.secret], sorted(tx.principal.agreement), context.clock()
    )
    await tx.repository(SubscriptionRows).save(values)
    await tx.repository(SubscriptionWake).wake(stored.id)  # the handshake goes at once
    return stored


async def _owned(tx: FhirTransaction, subscription_id: str) -> PartnerSubscription:
    partner = _partner(tx)
    row = await tx.repository(SubscriptionRows).get(subscription_id, lock=True)
    if row is None or row.partner != partner:
        raise not_found("Subscription", subscription_id)
    return row


async def _update(tx: FhirTransaction, context: PortalContext, write: Write) -> StoredResource:
    assert write.body is not None
    assert write.resource_id is not None
    current = await _owned(tx, write.resource_id)
    checked(tx.definition("Subscription", Interaction.UPDATE), write.body, write.resource_id)
    spec, _ = _checked_spec(tx, context, write.body)
    secrets = list(current.secrets)
    if spec.secret is not None and spec.secret != secrets[0]:
        secrets = [spec.secret, secrets[0]]  # both sign while the partner rotates
    body = with_status(without_secret(write.body), spec.status, None)
    stored, _ = await tx.update("Subscription", write.resource_id, body, if_match=write.if_match)
    values = _row(
        stored.id,
        current.partner,
        spec,
        secrets,
        sorted(tx.principal.agreement),
        current.created_at,
    )
    await tx.repository(SubscriptionRows).save(values)
    await tx.repository(SubscriptionWake).wake(stored.id)  # the handshake goes at once
    return stored


async def write_subscription(
    tx: FhirTransaction, write: Write, context: PortalContext
) -> tuple[StoredResource | None, bool]:
    if write.kind == "create":
        return await _create(tx, context, write), True
    if write.kind == "update":
        if write.patch:
            raise bad_request("Change a Subscription with PUT", ("Subscription",))
        return await _update(tx, context, write), False
    assert write.resource_id is not None
    await _owned(tx, write.resource_id)
    removed = await tx.delete("Subscription", write.resource_id)
    await tx.repository(SubscriptionRows).remove(write.resource_id)
    return removed, False
