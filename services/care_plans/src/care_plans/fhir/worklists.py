"""Worklist operations' shared shape: the area parameters and the searchset they answer.

A worklist answers a searchset Bundle of the stored resources, whose `self` link
repeats the arguments, so GET and POST of the same call answer the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from carecoord_shared.fhir.http import searchset
from carecoord_shared.fhir.operations import Operation, OperationCall, OperationResult, Param
from carecoord_shared.store.repository import StoredResource

AREA = (
    Param("practice", "string", 0, 1, "The registered practice's ODS code."),
    Param("locality", "string", 0, 1, "The locality code (Patient extension patient-locality)."),
)


def worklist(
    operation: Operation, call: OperationCall, found: Sequence[StoredResource]
) -> OperationResult:
    assert operation.resource is not None
    link = [(p.name, str(v)) for p in operation.inputs for v in call.arguments.all(p.name)]
    path = f"{operation.resource}/${operation.code}"
    body = searchset(call.base_url, path, link, found, total=len(found))
    return OperationResult(body, operation.status)
