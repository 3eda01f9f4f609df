"""The subscriptions face's declarations: its resources, operations, consumers and jobs.

Partner subscriptions (issue 12): the SubscriptionTopic catalogue (`Basic`, read-only),
Subscriptions with their own write rules, partner Endpoints, the Tasks that tell a
partner's admin its deliveries failed; the `$status`, `$events`, `$deliveries`,
`$resume` and `$handshake` (a partner's test of its endpoint) operations; the consumer
that records events for subscriptions; the delivery loop and the hourly housekeeping;
the topic catalogue published when the API starts.
"""

from __future__ import annotations

from typing import Any

from carecoord_shared.fhir.registry import (
    READ_ONLY,
    Interaction,
    ResourceDefinition,
    SearchParam,
    Write,
)
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource
from portal.domain.topics import CATALOGUE
from portal.events.subscription_fanout import CONSUMERS
from portal.faces import Face
from portal.jobs import subscription_delivery, subscription_housekeeping
from portal.operations import (
    subscription_deliveries,
    subscription_events,
    subscription_handshake,
    subscription_resume,
    subscription_status,
)
from portal.service.subscription_housekeeping import publish_topics_at_startup
from portal.service.subscription_writes import write_subscription

__all__ = ["FACE"]

_TOPICS = ", ".join(t.canonical for t in CATALOGUE)


def resources(context: Any) -> tuple[ResourceDefinition, ...]:
    async def writes(tx: FhirTransaction, write: Write) -> tuple[StoredResource | None, bool]:
        return await write_subscription(tx, write, context)

    return (
        ResourceDefinition(
            "Subscription",
            interactions=READ_ONLY | {Interaction.CREATE, Interaction.UPDATE, Interaction.DELETE},
            documentation="Topic-based subscriptions (Subscriptions Backport IG, R4) for partner "
            "systems with a data-sharing agreement, delivered as signed webhooks (Standard "
            f"Webhooks). Topics: {_TOPICS}.",
            search_params=(
                SearchParam("status", "token", "Subscription.status"),
                SearchParam("url", "string", "Subscription.channel.endpoint"),
            ),
            conditional_create=False,
            owned=True,
            writes=writes,
        ),
        ResourceDefinition(
            "Basic",
            interactions=READ_ONLY,
            update_create=True,
            documentation="The SubscriptionTopic catalogue, as the Backport IG represents "
            "topics in R4 (code SubscriptionTopic).",
            search_params=(SearchParam("code", "token", "Basic.code"),),
        ),
        ResourceDefinition(
            "Endpoint",
            owned=True,
            documentation="Partner and portal endpoints.",
            search_params=(
                SearchParam("status", "token", "Endpoint.status"),
                SearchParam("name", "string", "Endpoint.name"),
                SearchParam("connection-type", "token", "Endpoint.connectionType"),
            ),
        ),
    )


FACE = Face(
    resources=resources,
    operations=(
        subscription_status.OPERATION,
        subscription_events.OPERATION,
        subscription_deliveries.OPERATION,
        subscription_resume.OPERATION,
        subscription_handshake.OPERATION,
    ),
    consumers=CONSUMERS,
    jobs=(subscription_delivery.JOB, subscription_housekeeping.JOB),
    startup=publish_topics_at_startup,
)
