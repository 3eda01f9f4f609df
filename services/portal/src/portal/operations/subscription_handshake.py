"""`Subscription/{id}/$handshake`: test your endpoint now with one signed handshake
notification, and see what it answered (the attempt is also in `$deliveries`)."""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from portal.service.subscription_handshake import handshake_now

__all__ = ["OPERATION"]


async def _handle(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    webhook_id, sent = await handshake_now(
        call.fhir, call.principal, call.context, call.resource_id
    )
    answered = {} if sent.status_code is None else {"status": sent.status_code}
    return OPERATION.result(
        **{"webhook-id": webhook_id, "outcome": sent.outcome, "latency-ms": sent.latency_ms},
        **answered,
    )


OPERATION = Operation(
    "$handshake",
    "Test a subscription's endpoint",
    "Sends your endpoint one signed handshake notification now and answers what it did "
    "(outcome, HTTP status, latency); the subscription's status does not change.",
    _handle,
    resource="Subscription",
    changes_state=True,
    outputs=(
        Param("webhook-id", "string", 1, 1, "The webhook-id of the handshake sent."),
        Param("outcome", "code", 1, 1, "delivered, failed, timeout, unreachable, refused..."),
        Param("status", "integer", 0, 1, "The HTTP status your endpoint answered."),
        Param("latency-ms", "integer", 1, 1, "How long your endpoint took to answer."),
    ),
)
