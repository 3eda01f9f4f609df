"""The MDT's FHIR operations, one module each: its declaration and a thin handler.

Every MDT operation works on the resource it is invoked on, in one unit of work that
has already passed the operation's own permission check (scope, then membership or
relationship inside the service), and answers one resource. `answer` is that shape,
so each handler is only its parsing and its call into `mdt.service`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult
from carecoord_shared.fhir.outcome import JsonObject
from carecoord_shared.fhir.unit_of_work import FhirTransaction

Work = Callable[[FhirTransaction, str], Awaitable[JsonObject]]
"""What an operation does in its unit of work, given the id it was invoked on."""


async def answer(operation: Operation, call: OperationCall, work: Work) -> OperationResult:
    """Run `work` on the invoked resource in one unit of work; answer what it returns."""
    async with call.fhir.operation(call.principal) as tx:
        resource = await work(tx, str(call.resource_id))
    return operation.result(**{"return": resource})
