"""An R4 Subscription with the Backport IG extensions, read into a `SubscriptionSpec`.

The one place that knows where the backport puts things: the topic is `criteria`, the
filters are `backport-filter-criteria` extensions on `_criteria` (ANDed), payload
content is `backport-payload-content` on `channel._payload`, heartbeat, timeout and
max count are extensions on `channel`. The partner's `whsec_` secret arrives as a
CareCoord extension on `channel` and is taken out before the resource is stored: it is
write-only. Every mistake is a 400 whose expression points at the element.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import parse_qsl

from carecoord_shared.fhir.identifiers import NHS_NUMBER_SYSTEM
from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT
from carecoord_shared.fhir.outcome import JsonObject, bad_request
from portal.domain.subscriptions import (
    DEFAULT_TIMEOUT_S,
    MAX_TIMEOUT_S,
    PAYLOADS,
    Payload,
    Status,
    SubscriptionSpec,
)
from portal.domain.topics import FILTERS, Topic, topic_by_canonical

__all__ = [
    "BACKPORT",
    "SECRET_EXTENSION",
    "read_subscription",
    "with_status",
    "without_secret",
]

BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
FILTER_EXTENSION = f"{BACKPORT}/backport-filter-criteria"
PAYLOAD_EXTENSION = f"{BACKPORT}/backport-payload-content"
HEARTBEAT_EXTENSION = f"{BACKPORT}/backport-heartbeat-period"
TIMEOUT_EXTENSION = f"{BACKPORT}/backport-timeout"
MAX_COUNT_EXTENSION = f"{BACKPORT}/backport-max-count"
SECRET_EXTENSION = f"{CANONICAL_ROOT}/StructureDefinition/webhook-secret"
_FILTER_AT = "Subscription.criteria.extension('backport-filter-criteria')"


def _extensions(element: Any, url: str) -> list[JsonObject]:
    if not isinstance(element, dict):
        return []
    return [e for e in element.get("extension", []) if isinstance(e, dict) and e.get("url") == url]


def _one_value(element: Any, url: str, key: str, where: str) -> Any:
    found = _extensions(element, url)
    if len(found) > 1:
        raise bad_request(f"{url.rsplit('/', 1)[1]} may be given once", (where,))
    return found[0].get(key) if found else None


def _topic(body: JsonObject) -> Topic:
    canonical = str(body.get("criteria") or "")
    topic = topic_by_canonical(canonical.split("|", 1)[0])
    if topic is None:
        raise bad_request(
            "Unknown topic: criteria must be the canonical URL of a SubscriptionTopic this "
            "server offers (see Basic?code=SubscriptionTopic)",
            ("Subscription.criteria",),
            "not-supported",
        )
    return topic


def _filter_value(name: str, value: str) -> str:
    if name == "patient":
        system, _, number = value.rpartition("|")
        if system not in ("", NHS_NUMBER_SYSTEM) or not (number.isdigit() and len(number) == 10):
            raise bad_request("The patient filter takes an NHS number", (_FILTER_AT,))
        return number
    return value


def _filters(body: JsonObject, topic: Topic) -> dict[str, str]:
    filters: dict[str, str] = {}
    for extension in _extensions(body.get("_criteria"), FILTER_EXTENSION):
        text = str(extension.get("valueString") or "")
        query = text.split("?", 1)[1] if "?" in text else text
        items = parse_qsl(query, keep_blank_values=True)
        if not items:
            raise bad_request("A filter criterion must be name=value", (_FILTER_AT,))
        for name, value in items:
            if name not in FILTERS or name not in topic.filters:
                allowed = ", ".join(topic.filters)
                raise bad_request(
                    f"Unknown filter '{name[:40]}' for topic {topic.slug}: use {allowed}",
                    (_FILTER_AT,),
                    "not-supported",
                )
            if name in filters or not value:
                raise bad_request(f"The filter '{name}' needs one value", (_FILTER_AT,))
            filters[name] = _filter_value(name, value)
    return filters


def _number(channel: JsonObject, url: str, key: str, default: int | None) -> int | None:
    value = _one_value(channel, url, key, "Subscription.channel.extension")
    return default if value is None else int(value)


def _payload(channel: JsonObject) -> Payload:
    code = _one_value(
        channel.get("_payload"), PAYLOAD_EXTENSION, "valueCode", "Subscription.channel.payload"
    )
    if code is None:
        return "id-only"
    for payload in PAYLOADS:
        if payload == code:
            return payload
    raise bad_request(
        "Payload content must be empty, id-only or full-resource", ("Subscription.channel.payload",)
    )


def _status(body: JsonObject) -> Status:
    return "off" if body.get("status") == "off" else "requested"


def read_subscription(body: JsonObject) -> tuple[SubscriptionSpec, Topic]:
    """The checked subscription (its body already valid R4) and its topic."""
    topic = _topic(body)
    channel = body.get("channel") or {}
    if channel.get("type") != "rest-hook":
        raise bad_request("Only the rest-hook channel is offered", ("Subscription.channel.type",))
    if channel.get("payload") not in (None, "application/fhir+json"):
        text = "The payload MIME type must be application/fhir+json"
        raise bad_request(text, ("Subscription.channel.payload",))
    timeout = _number(channel, TIMEOUT_EXTENSION, "valueUnsignedInt", DEFAULT_TIMEOUT_S)
    max_count = _number(channel, MAX_COUNT_EXTENSION, "valuePositiveInt", 1)
    assert timeout is not None
    assert max_count is not None
    if not 1 <= timeout <= MAX_TIMEOUT_S:
        text = f"The timeout must be 1 to {MAX_TIMEOUT_S} seconds"
        raise bad_request(text, ("Subscription.channel.extension('backport-timeout')",))
    secret = _one_value(channel, SECRET_EXTENSION, "valueString", "Subscription.channel.extension")
    spec = SubscriptionSpec(
        topic=topic.canonical,
        filters=_filters(body, topic),
        endpoint=str(channel.get("endpoint") or ""),
        headers=tuple(str(h) for h in channel.get("header", [])),
        payload=_payload(channel),
        heartbeat_s=_number(channel, HEARTBEAT_EXTENSION, "valueUnsignedInt", None) or None,
        timeout_s=timeout,
        max_count=max_count,
        status=_status(body),
        secret=None if secret is None else str(secret),
        contact=_contact(body),
    )
    return spec, topic


def _contact(body: JsonObject) -> str | None:
    for point in body.get("contact", []):
        if isinstance(point, dict) and point.get("value"):
            return str(point["value"])
    return None


def without_secret(body: JsonObject) -> JsonObject:
    """The body as stored and returned: the secret is write-only."""
    stored = copy.deepcopy(body)
    channel = stored.get("channel")
    if isinstance(channel, dict) and "extension" in channel:
        kept = [e for e in channel["extension"] if e.get("url") != SECRET_EXTENSION]
        if kept:
            channel["extension"] = kept
        else:
            del channel["extension"]
    return stored


def with_status(body: JsonObject, status: Status | str, error: str | None) -> JsonObject:
    """The stored body as the server sets its status (and `error` with the reason)."""
    changed = {k: v for k, v in body.items() if k not in ("meta", "error")}
    changed["status"] = status
    if error:
        changed["error"] = error
    return changed
