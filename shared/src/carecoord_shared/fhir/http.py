"""FHIR over HTTP: media types, bounded bodies, responses built from stored bytes.

Reads return the stored canonical JSON bytes untouched; Bundles are assembled by
concatenating those bytes, so a search never parses or re-validates what it returns.
Bodies are read against the configured limit before parsing (413), and only the FHIR
JSON media types are accepted (415).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

import orjson
from fastapi import Request
from fastapi.responses import Response

from carecoord_shared.fhir.narrative import narrated, outcome
from carecoord_shared.fhir.outcome import (
    Issue,
    JsonObject,
    bad_request,
    operation_outcome,
    too_large,
    unsupported_media_type,
)
from carecoord_shared.fhir.parsing import whole_number
from carecoord_shared.store.repository import StoredResource

FHIR_JSON = "application/fhir+json"
ACCEPTED_MEDIA = ("application/fhir+json", "application/json", "application/json-patch+json")


async def read_body(
    request: Request,
    limit: int,
    *,
    allow_patch: bool = False,
    media_types: tuple[str, ...] | None = None,
) -> bytes:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    accepted = media_types or (ACCEPTED_MEDIA if allow_patch else ACCEPTED_MEDIA[:2])
    if media not in accepted:
        raise unsupported_media_type(media or "(none)")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise too_large(limit)
    if not body:
        raise bad_request("The request has no body", code="required")
    return bytes(body)


def fhir_response(
    content: bytes,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(content, status_code=status, media_type=FHIR_JSON, headers=headers)


def json_response(
    value: JsonObject, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A resource built here (not stored bytes), with narrative on what the kernel built."""
    return fhir_response(orjson.dumps(narrated(value)), status, headers)


def outcome_response(
    status: int, issues: Sequence[Issue], headers: dict[str, str] | None = None
) -> Response:
    return json_response(operation_outcome(issues), status, headers)


def http_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def resource_headers(stored: StoredResource, base: str, *, created: bool = False) -> dict[str, str]:
    """ETag and Last-Modified; `Location` only for a 201 (RFC 9110), else
    `Content-Location` naming the version returned."""
    where = "Location" if created else "Content-Location"
    return {
        "ETag": stored.etag,
        "Last-Modified": http_date(stored.last_updated),
        where: f"{base}/{stored.reference}/_history/{stored.version_id}",
    }


def written(stored: StoredResource, base: str, created: bool, prefer: str | None) -> Response:
    """The answer to a create or update, as the client's `Prefer: return=` asks:
    the resource (default), nothing, or an OperationOutcome."""
    status = 201 if created else 200
    headers = resource_headers(stored, base, created=created)
    wanted = _preference(prefer, "return")
    if wanted == "minimal":
        return Response(status_code=status, headers=headers)
    if wanted == "OperationOutcome":
        text = f"{stored.reference} {'created' if created else 'updated'}"
        issues = [Issue("informational", text, severity="information")]
        return json_response(operation_outcome(issues), status, headers)
    return fhir_response(stored.content or b"", status, headers)


def _preference(prefer: str | None, name: str) -> str | None:
    for part in (prefer or "").replace(" ", "").split(";"):
        for item in part.split(","):
            key, _, value = item.partition("=")
            if key == name:
                return value.strip('"')
    return None


def not_modified(stored: StoredResource, if_none_match: str | None) -> Response | None:
    """304 when the client already holds this version (`If-None-Match`)."""
    if if_none_match is None:
        return None
    tags = {t.strip().removeprefix("W/").strip('"') for t in if_none_match.split(",")}
    if "*" in tags or str(stored.version_id) in tags:
        return Response(status_code=304, headers={"ETag": stored.etag})
    return None


def parse_etag(value: str | None) -> int | None:
    """`W/"3"` -> 3; anything unreadable is a 400 rather than a silent overwrite."""
    if value is None:
        return None
    text = value.strip()
    if text.startswith("W/"):
        text = text[2:]
    return whole_number(text.strip('"'), "If-Match")


def _entry(base: str, stored: StoredResource, mode: str) -> bytes:
    return b"".join(
        (
            b'{"fullUrl":',
            orjson.dumps(f"{base}/{stored.reference}"),
            b',"resource":',
            stored.content or b"{}",
            b',"search":{"mode":"',
            mode.encode(),
            b'"}}',
        )
    )


def searchset(
    base: str,
    resource_type: str,
    link_params: Sequence[tuple[str, str]],
    matches: Iterable[StoredResource],
    included: Iterable[StoredResource] = (),
    *,
    total: int | None = None,
    next_cursor: str | None = None,
    warnings: Sequence[Issue] = (),
) -> bytes:
    """A searchset Bundle assembled from stored bytes."""
    self_url = f"{base}/{resource_type}?{urlencode(link_params)}"
    links = [{"relation": "self", "url": self_url}]
    if next_cursor is not None:
        params = [*link_params, ("_cursor", next_cursor)]
        links.append({"relation": "next", "url": f"{base}/{resource_type}?{urlencode(params)}"})
    head: JsonObject = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        head["total"] = total
    head["link"] = links
    entries = [_entry(base, s, "match") for s in matches]
    entries.extend(_entry(base, s, "include") for s in included)
    if warnings:
        entries.append(
            b'{"fullUrl":"urn:uuid:'
            + str(uuid.uuid4()).encode()
            + b'","resource":'
            + orjson.dumps(outcome(warnings))
            + b',"search":{"mode":"outcome"}}'
        )
    body = orjson.dumps(head)[:-1]
    if entries:
        body += b',"entry":[' + b",".join(entries) + b"]"
    return body + b"}"


def history_bundle(base: str, versions: Sequence[tuple[StoredResource, str]]) -> bytes:
    methods = {"create": "POST", "update": "PUT", "delete": "DELETE"}
    entries = []
    for stored, method in versions:
        request = {"method": methods[method], "url": stored.reference}
        entry: JsonObject = {
            "fullUrl": f"{base}/{stored.reference}",
            "request": request,
            "response": {
                "status": "200" if method != "create" else "201",
                "etag": stored.etag,
                "lastModified": stored.last_updated.isoformat().replace("+00:00", "Z"),
            },
        }
        encoded = orjson.dumps(entry)[:-1]
        if stored.content is not None:
            encoded += b',"resource":' + stored.content
        entries.append(encoded + b"}")
    head = orjson.dumps({"resourceType": "Bundle", "type": "history", "total": len(entries)})[:-1]
    if not entries:  # R4 allows no empty arrays
        return head + b"}"
    return head + b',"entry":[' + b",".join(entries) + b"]}"
