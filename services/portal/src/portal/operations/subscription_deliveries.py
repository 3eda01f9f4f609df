"""`Subscription/{id}/$deliveries`: the per-attempt delivery log of one of your
subscriptions (when, HTTP status, latency, outcome, next attempt), newest first, so a
partner sees for itself why something has not arrived."""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from portal.service.subscription_views import attempts_of, instant_argument, owned

__all__ = ["OPERATION"]


async def _handle(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    since = call.arguments.get("since")
    count = call.arguments.number("count") or 100
    async with call.fhir.reads(call.principal) as tx:
        row = await owned(tx, call.resource_id)
        attempts = await attempts_of(tx, row, instant_argument(since, "since"), min(count, 1000))
    return OPERATION.result(total=len(attempts), attempt=attempts)


OPERATION = Operation(
    "$deliveries",
    "Subscription delivery log",
    "Every attempt to deliver to your endpoint (handshakes, heartbeats, notifications), "
    "newest first.",
    _handle,
    resource="Subscription",
    changes_state=False,
    inputs=(
        Param("since", "instant", documentation="Only attempts from this time on."),
        Param("count", "positiveInt", documentation="At most this many (default 100)."),
    ),
    outputs=(
        Param("total", "integer", 1, 1, "How many attempts follow."),
        Param(
            "attempt",
            "",
            0,
            None,
            "One delivery attempt.",
            parts=(
                Param("webhook-id", "string", 1, 1),
                Param("kind", "code", 1, 1),
                Param("event-number", "string"),
                Param("when", "instant", 1, 1),
                Param("status", "integer"),
                Param("outcome", "code", 1, 1),
                Param("latency-ms", "integer", 1, 1),
                Param("next-attempt", "instant"),
            ),
        ),
    ),
)
