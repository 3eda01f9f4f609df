"""`Subscription/{id}/$events`: replay recorded events by their gap-free numbers.

Exactly what was recorded for the partner (and delivered, or still to be), kept at
least 30 days, as the same `history` Bundle a notification is, typed `query-event`.
"""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from portal.service.subscription_views import events_of, owned

__all__ = ["OPERATION"]


async def _handle(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    arguments = call.arguments
    async with call.fhir.reads(call.principal) as tx:
        row = await owned(tx, call.resource_id)
        bundle = await events_of(
            tx,
            call.context,
            row,
            arguments.text("eventsSinceNumber"),
            arguments.text("eventsUntilNumber"),
            arguments.text("content"),
        )
    return OPERATION.result(**{"return": bundle})


OPERATION = Operation(
    "$events",
    "Subscription events",
    "Replays the events recorded for one of your subscriptions, by event number (up to "
    "1000 at a time), as a history Bundle whose first entry is the SubscriptionStatus.",
    _handle,
    resource="Subscription",
    changes_state=False,
    inputs=(
        Param("eventsSinceNumber", "string", documentation="The first event number wanted."),
        Param("eventsUntilNumber", "string", documentation="The last event number wanted."),
        Param(
            "content",
            "code",
            values=("empty", "id-only"),
            documentation="The payload level of the replay (default: the subscription's).",
        ),
    ),
    outputs=(Param("return", "Bundle", 1, 1, "A history Bundle of the events."),),
)
