"""Batch and transaction Bundles (`POST /fhir`): many interactions in one request.

A GP system sends a referral with its attachments, or a care plan with its goals, as
one transaction: all of it commits or none of it does, in one database transaction,
with `urn:uuid` references between the entries resolved to the ids the server gives
them. Each entry goes through the same unit of work as a single request (scope,
relationship, validation, the type's own write handler, audit, outbox). A batch runs
each entry on its own and reports each outcome. Entries are processed in the order
FHIR gives (deletes, creates, updates, then reads); the response lists them in the
order they were sent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson

from carecoord_shared.fhir.interactions import FhirInteractions, conditional_write
from carecoord_shared.fhir.outcome import FhirError, JsonObject, bad_request, operation_outcome
from carecoord_shared.fhir.parsing import check_id, validate_resource
from carecoord_shared.fhir.registry import Write
from carecoord_shared.fhir.unit_of_work import FhirTransaction
from carecoord_shared.security.principal import Principal
from carecoord_shared.store.repository import StoredResource, new_id

__all__ = ["process_bundle"]

MAX_ENTRIES = 100
_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "GET": 3}
_REASON = {200: "200 OK", 201: "201 Created", 204: "204 No Content"}

Outcome = tuple[int, StoredResource | None, JsonObject | None]


def _entries(bundle: JsonObject) -> list[JsonObject]:
    validate_resource(bundle, "Bundle")
    if bundle.get("type") not in ("batch", "transaction"):
        raise bad_request("POST /fhir takes a batch or transaction Bundle", ("Bundle.type",))
    entries = list(bundle.get("entry", []))
    if len(entries) > MAX_ENTRIES:
        raise bad_request(f"A Bundle may have at most {MAX_ENTRIES} entries", ("Bundle.entry",))
    for index, entry in enumerate(entries):
        method = (entry.get("request") or {}).get("method")
        if method not in _ORDER:
            where = f"Bundle.entry[{index}].request.method"
            raise bad_request("Each entry needs request.method GET, POST, PUT or DELETE", (where,))
    return entries


def _assign_ids(entries: list[JsonObject]) -> dict[str, str]:
    """`urn:uuid:` fullUrls of created resources -> the references they will have."""
    assigned: dict[str, str] = {}
    for entry in entries:
        full_url = str(entry.get("fullUrl") or "")
        resource = entry.get("resource") or {}
        if entry["request"]["method"] == "POST" and full_url.startswith("urn:uuid:"):
            entry["_id"] = new_id()
            assigned[full_url] = f"{resource.get('resourceType')}/{entry['_id']}"
    return assigned


def _resolve(value: Any, assigned: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            k: assigned.get(v, v)
            if k == "reference" and isinstance(v, str)
            else _resolve(v, assigned)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_resolve(item, assigned) for item in value]
    return value


def _path(entry: JsonObject) -> tuple[str, str | None, str | None]:
    """request.url -> (type, id, query)."""
    url = str(entry["request"].get("url") or "").split("/fhir/", 1)[-1].lstrip("/")
    path, _, query = url.partition("?")
    kind, _, rest = path.partition("/")
    if not kind:
        raise bad_request("Each entry needs request.url", ("Bundle.entry.request.url",))
    return kind, (check_id(kind, rest) if rest else None), (query or None)


async def _apply(tx: FhirTransaction, entry: JsonObject, base: str) -> Outcome:
    method = entry["request"]["method"]
    kind, resource_id, query = _path(entry)
    body = entry.get("resource")
    if method == "GET":
        if resource_id is None:
            found = await tx.search(kind, parse_qsl(query or "", keep_blank_values=True))
            bundle: JsonObject = {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(found.matches),
            }
            if found.matches:
                bundle["entry"] = [
                    {
                        "fullUrl": f"{base}/{m.reference}",
                        "resource": m.as_json(),
                        "search": {"mode": "match"},
                    }
                    for m in found.matches
                ]
            return 200, None, bundle
        return 200, await tx.read(kind, resource_id), None
    if method == "DELETE":
        await tx.write(Write("delete", kind, _required(resource_id), None))
        return 204, None, None
    if not isinstance(body, dict):
        raise bad_request(f"A {method} entry needs a resource", ("Bundle.entry.resource",))
    if method == "POST":
        if_none_exist = entry["request"].get("ifNoneExist")
        write = Write("create", kind, entry.get("_id"), body, if_none_exist=if_none_exist)
    elif resource_id is None:
        write = await conditional_write(tx, kind, query or "", body)
    else:
        if_match = entry["request"].get("ifMatch")
        version = int(str(if_match).strip('W/"')) if if_match else None
        write = Write("update", kind, resource_id, body, version)
    stored, created = await tx.write(write)
    return (201 if created else 200), stored, None


def _required(resource_id: str | None) -> str:
    if resource_id is None:
        raise bad_request("A DELETE entry names one resource (Type/id)")
    return resource_id


def _response(outcome: Outcome, base: str) -> JsonObject:
    status, stored, resource = outcome
    response: JsonObject = {"status": _REASON.get(status, str(status))}
    entry: JsonObject = {"response": response}
    if stored is not None:
        response["etag"] = stored.etag
        response["lastModified"] = stored.last_updated.isoformat().replace("+00:00", "Z")
        response["location"] = f"{base}/{stored.reference}/_history/{stored.version_id}"
        entry["fullUrl"] = f"{base}/{stored.reference}"
        entry["resource"] = orjson.loads(stored.content or b"{}")
    elif resource is not None:
        entry["resource"] = resource
    return entry


def _failed(error: FhirError) -> JsonObject:
    return {"response": {"status": str(error.status), "outcome": operation_outcome(error.issues)}}


async def process_bundle(
    fhir: FhirInteractions, principal: Principal, bundle: JsonObject, base: str
) -> JsonObject:
    """The transaction-response or batch-response for `bundle`."""
    entries = _entries(bundle)
    order = sorted(range(len(entries)), key=lambda i: _ORDER[entries[i]["request"]["method"]])
    results: dict[int, JsonObject] = {}
    if bundle["type"] == "transaction":
        assigned = _assign_ids(entries)
        for entry in entries:
            if "resource" in entry:
                entry["resource"] = _resolve(entry["resource"], assigned)
        async with fhir.transaction(principal) as tx:
            for index in order:
                results[index] = _response(await _apply(tx, entries[index], base), base)
    else:
        for index in order:
            results[index] = await _one_of_a_batch(fhir, principal, entries[index], base)
    kind = f"{bundle['type']}-response"
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [results[i] for i in range(len(entries))],
    }


async def _one_of_a_batch(
    fhir: FhirInteractions, principal: Principal, entry: JsonObject, base: str
) -> JsonObject:
    try:
        async with fhir.transaction(principal) as tx:
            return _response(await _apply(tx, entry, base), base)
    except FhirError as error:
        return _failed(error)
