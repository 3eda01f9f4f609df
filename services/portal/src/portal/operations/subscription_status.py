"""`Subscription/{id}/$status`: the SubscriptionStatus of one of the partner's own
subscriptions (Backport IG), with its status, error and events-since-start."""

from __future__ import annotations

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from portal.service.subscription_views import owned, status_of

__all__ = ["OPERATION"]


async def _handle(call: OperationCall) -> OperationResult:
    assert call.resource_id is not None
    async with call.fhir.reads(call.principal) as tx:
        row = await owned(tx, call.resource_id)
    return OPERATION.result(**{"return": status_of(call.context, row)})


OPERATION = Operation(
    "$status",
    "Subscription status",
    "The SubscriptionStatus (as Parameters, in a searchset Bundle) of one of your "
    "subscriptions: status, error and events-since-subscription-start.",
    _handle,
    resource="Subscription",
    changes_state=False,
    outputs=(Param("return", "Bundle", 1, 1, "A searchset of the one status."),),
)
