"""The CloudEvents 1.0 envelope every CareCoord event travels in (Kafka binary mode).

Services announce facts as `Event`s; this module maps an `Event` to a Kafka record
and back, and is the only place that knows the header names. Attributes travel as
`ce_*` headers, the data as the JSON record value, and the key is the patient's NHS
number (the subject reference where there is no patient) so that one patient's
events share a partition and stay in order. `traceparent` (W3C Trace Context) and
`correlation_id` ride along as plain headers so one request can be followed across
services. The mapping is written here rather than with the `cloudevents` SDK's Kafka
binding because the SDK invents an `id` and `time` for a record that lacks them
(which would defeat de-duplication by id), cannot carry `traceparent`/`correlation_id`
as plain headers (CloudEvents extension names may not contain `_`, and extensions
travel as `ce_*`), and serialises with the standard `json` module; a unit test
proves both directions interoperate with the SDK.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from carecoord_shared.logging import correlation_id_var, current_correlation_id

JsonObject = dict[str, Any]
Header = tuple[str, bytes]

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
CE_HEADERS = ("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_subject", "ce_time")
TRACEPARENT = "traceparent"
CORRELATION_ID = "correlation_id"

traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)
"""The W3C traceparent of the work in hand (set by the API edge and by consumers)."""

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


class InvalidEnvelope(ValueError):
    """A Kafka record that is not a CareCoord CloudEvent; the message names no data."""


@dataclass(frozen=True, slots=True)
class Event:
    """One fact that happened, addressed to whoever listens on its topic."""

    id: str
    type: str
    source: str
    subject: str
    time: datetime
    key: str
    data: JsonObject
    correlation_id: str
    traceparent: str


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    """What goes on the wire: key, value and headers of one Kafka record."""

    key: bytes
    value: bytes
    headers: tuple[Header, ...]


def _parse_traceparent(value: str | None) -> re.Match[str] | None:
    match = _TRACEPARENT.match(value) if value else None
    if match is None or match.group(1) == "0" * 32 or match.group(2) == "0" * 16:
        return None
    return match


def child_traceparent(parent: str | None = None) -> str:
    """A traceparent continuing `parent` (or the context's trace), or a new trace."""
    match = _parse_traceparent(parent if parent is not None else traceparent_var.get())
    if match is None:
        return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
    return f"00-{match.group(1)}-{secrets.token_hex(8)}-{match.group(3)}"


def _received_traceparent(value: str | None) -> str:
    return value if value is not None and _parse_traceparent(value) else child_traceparent("")


def new_event(
    event_type: str,
    *,
    source: str,
    subject: str,
    data: JsonObject,
    nhs_number: str | None = None,
    time: datetime | None = None,
    event_id: str | None = None,
) -> Event:
    """Build an event in the current context (correlation id and trace carried over)."""
    return Event(
        id=event_id or str(uuid.uuid4()),
        type=event_type,
        source=source,
        subject=subject,
        time=time or datetime.now(UTC),
        key=nhs_number or subject,
        data=data,
        correlation_id=current_correlation_id(),
        traceparent=child_traceparent(),
    )


@contextlib.contextmanager
def event_context(event: Event) -> Iterator[None]:
    """While applying `event`, events written carry its correlation id and continue its trace."""
    correlation = correlation_id_var.set(event.correlation_id)
    trace = traceparent_var.set(event.traceparent)
    try:
        yield
    finally:
        traceparent_var.reset(trace)
        correlation_id_var.reset(correlation)


def _format_time(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("event time must be timezone-aware")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def headers_of(event: Event) -> dict[str, str]:
    """The record headers of `event` as text (the outbox stores them like this)."""
    return {
        "ce_specversion": SPECVERSION,
        "ce_id": event.id,
        "ce_type": event.type,
        "ce_source": event.source,
        "ce_subject": event.subject,
        "ce_time": _format_time(event.time),
        "content-type": CONTENT_TYPE,
        TRACEPARENT: event.traceparent,
        CORRELATION_ID: event.correlation_id,
    }


def encode_headers(headers: dict[str, str]) -> tuple[Header, ...]:
    return tuple((name, value.encode()) for name, value in headers.items())


def to_record(event: Event) -> KafkaRecord:
    return KafkaRecord(
        key=event.key.encode(),
        value=orjson.dumps(event.data),
        headers=encode_headers(headers_of(event)),
    )


def _text_headers(headers: Sequence[Header]) -> dict[str, str]:
    text: dict[str, str] = {}
    for name, value in headers:
        try:
            text[name.lower()] = value.decode() if value is not None else ""
        except UnicodeDecodeError:
            raise InvalidEnvelope(f"header {name[:40]!r} is not UTF-8") from None
    return text


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidEnvelope("ce_time is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        raise InvalidEnvelope("ce_time has no time zone")
    return parsed


def from_record(key: bytes | None, value: bytes | None, headers: Sequence[Header]) -> Event:
    """Read a binary-mode CloudEvent; unknown headers are ignored (tolerant reader)."""
    text = _text_headers(headers)
    missing = [name for name in CE_HEADERS if not text.get(name)]
    if missing:
        raise InvalidEnvelope("missing CloudEvents header " + ", ".join(missing))
    if text["ce_specversion"] != SPECVERSION:
        raise InvalidEnvelope("unsupported CloudEvents specversion")
    content_type = text.get("content-type", CONTENT_TYPE).split(";")[0].strip().lower()
    if content_type != CONTENT_TYPE and not content_type.endswith("+json"):
        raise InvalidEnvelope("content-type is not JSON")
    try:
        data = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        raise InvalidEnvelope("value is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidEnvelope("value is not a JSON object")
    try:
        key_text = key.decode() if key else text["ce_subject"]
    except UnicodeDecodeError:
        raise InvalidEnvelope("key is not UTF-8") from None
    return Event(
        id=text["ce_id"],
        type=text["ce_type"],
        source=text["ce_source"],
        subject=text["ce_subject"],
        time=_parse_time(text["ce_time"]),
        key=key_text,
        data=data,
        correlation_id=text.get(CORRELATION_ID) or str(uuid.uuid4()),
        traceparent=_received_traceparent(text.get(TRACEPARENT)),
    )
