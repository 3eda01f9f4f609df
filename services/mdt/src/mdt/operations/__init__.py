"""The MDT's FHIR operations, one module each: its declaration and how it reads its input.

Every MDT operation works on the resource it is invoked on, in one unit of work that
has already passed the operation's own permission check (scope, then membership or
relationship inside the service), and answers one resource. `declare` builds that
shape once: a module gives its name, documentation, inputs, what it returns and a
`Reader` that turns the checked arguments into the work to do; `answered` renders a
stored resource, with `Location` when the operation created it (201), which is every
time for an operation declared with status 201 unless its work says otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from carecoord_shared.fhir.http import resource_headers
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.store.repository import StoredResource

Work = Callable[[FhirTransaction, str], Awaitable[StoredResource | tuple[StoredResource, bool]]]
"""What an operation does in its unit of work, given the id it was invoked on: the
resource it answers, and whether it created it where that varies (a nomination)."""
Reader = Callable[[OperationCall], Work]
"""The work an invocation asks for, read from its checked arguments."""


def answered(call: OperationCall, stored: StoredResource, *, created: bool) -> OperationResult:
    """The stored resource as the answer: 201 with `Location` if created, else 200."""
    if created:
        return OperationResult(
            stored.as_json(), 201, resource_headers(stored, call.base_url, created=True)
        )
    return OperationResult(stored.as_json(), 200)


def declare(
    name: str,
    title: str,
    documentation: str,
    resource: str,
    reader: Reader,
    returns: tuple[str, str],
    *,
    inputs: tuple[Param, ...] = (),
    scope_type: str | None = None,
    status: int = 200,
) -> Operation:
    """An operation that runs `reader`'s work on the invoked resource and answers the
    one resource it returns (`returns`: its type and what it is)."""

    async def handler(call: OperationCall) -> OperationResult:
        work = reader(call)
        async with call.fhir.operation(call.principal) as tx:
            done = await work(tx, str(call.resource_id))
        stored, created = done if isinstance(done, tuple) else (done, status == 201)
        return answered(call, stored, created=created)

    return Operation(
        name=name,
        title=title,
        documentation=documentation,
        handler=handler,
        resource=resource,
        scope_type=scope_type,
        status=status,
        inputs=inputs,
        outputs=(Param("return", returns[0], 1, 1, returns[1]),),
    )
