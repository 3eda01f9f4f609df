"""Older spellings of this service's URLs, read as the canonical ones on every write.

Before the project's canonical root, this service's code systems and extensions lived
under `https://carecoord.example/` (and the referrer's authorisation to convert was an
`orderDetail` code, which FHIR allows only beside a `code`: invariant prr-1). Clients
written then still send those spellings; every REST write is rewritten to the
canonical URLs before it is checked and stored, so what is stored, searched and
returned is spelt one way only.
"""

from __future__ import annotations

from typing import Any, Final

from carecoord_shared.fhir.definitions import extension_url, system_url
from carecoord_shared.fhir.outcome import JsonObject
from referrals.domain import vocabulary as v

_RENAMED: Final = {
    **{f"{v.LEGACY_ROOT}/{name}": system_url(name) for name in v.LEGACY_NAMES},
    **{
        f"{v.LEGACY_ROOT}/StructureDefinition/{name}": extension_url(name)
        for name in v.LEGACY_EXTENSIONS
    },
    f"{v.LEGACY_ROOT}/fhir/CodeSystem/request-category": v.REQUEST_CATEGORY,
}
_URL_KEYS: Final = ("system", "url")


def canonical(body: JsonObject) -> JsonObject:
    """`body` (changed in place) with canonical URLs and the conversion authorisation as
    its extension."""
    _authorisation_as_extension(body)
    pending: list[Any] = [body]
    while pending:  # iterative: a deeply nested body must not exhaust the stack
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            for key in _URL_KEYS:
                value = node.get(key)
                if isinstance(value, str) and value in _RENAMED:
                    node[key] = _RENAMED[value]
            pending.extend(node.values())
    return body


def _authorises(detail: Any) -> bool:
    codings = detail.get("coding", []) if isinstance(detail, dict) else []
    return any(
        isinstance(c, dict)
        and c.get("system") == v.LEGACY_REFERRER_AUTHORISATION
        and c.get("code") == v.CONVERSION_AUTHORISED
        for c in codings
    )


def _authorisation_as_extension(body: JsonObject) -> JsonObject:
    details = body.get("orderDetail")
    if body.get("resourceType") != "ServiceRequest" or not isinstance(details, list):
        return body
    kept = [d for d in details if not _authorises(d)]
    if len(kept) == len(details):
        return body
    if kept:
        body["orderDetail"] = kept
    else:
        del body["orderDetail"]
    extensions = body.get("extension", [])
    if not isinstance(extensions, list):
        return body  # malformed: validation names it
    body["extension"] = [
        *(e for e in extensions if not _is_authorisation(e)),
        {"url": v.CONVERSION_AUTHORISED_EXTENSION, "valueBoolean": True},
    ]
    return body


def _is_authorisation(extension: Any) -> bool:
    return isinstance(extension, dict) and extension.get("url") == v.CONVERSION_AUTHORISED_EXTENSION
