"""`Subscription/{id}/$resume`: re-activate after fixing the endpoint, replaying the
backlog in order (and, with `since`, everything recorded from then on: "recover since
T"), each under its original `webhook-id`."""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from portal.service.subscription_views import instant_argument, owned, resume

__all__ = ["OPERATION"]


async def _handle(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    since = instant_argument(call.arguments.text("since"), "since")
    async with call.fhir.operation(call.principal) as tx:
        row = await owned(tx, call.resource_id)
        requeued = await resume(tx, row, since)
    return OPERATION.result(status="requested", requeued=requeued)


OPERATION = Operation(
    "$resume",
    "Resume a subscription",
    "Asks for a new handshake and replays your undelivered backlog in order; with "
    "`since`, also replays what was delivered from that time on.",
    _handle,
    resource="Subscription",
    changes_state=True,
    inputs=(Param("since", "instant", documentation="Replay what was recorded since then."),),
    outputs=(
        Param("status", "code", 1, 1, "The subscription's status now (requested)."),
        Param("requeued", "integer", 1, 1, "How many notifications will be sent again."),
    ),
)
