"""The CloudEvents envelope: header mapping, key choice, tracing and tolerant reading."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from cloudevents.core.bindings import kafka as sdk_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from carecoord_shared.events import (
    Event,
    InvalidEnvelope,
    child_traceparent,
    from_record,
    new_event,
    to_record,
    traceparent_var,
)
from carecoord_shared.logging import correlation_id_var

NHS = "9000000009"
TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _triaged(nhs_number: str | None = NHS) -> Event:
    return new_event(
        "carecoord.referral.triaged.v1",
        source="/carecoord/referrals",
        subject="ServiceRequest/sr-1",
        data={"outcome": "accepted", "priority": "urgent"},
        nhs_number=nhs_number,
        time=datetime(2025, 3, 1, 9, 30, 0, 123456, tzinfo=UTC),
    )


def test_record_carries_cloudevents_headers_and_json_value() -> None:
    token = correlation_id_var.set("corr-123")
    try:
        event = _triaged()
    finally:
        correlation_id_var.reset(token)
    record = to_record(event)
    headers = {name: value.decode() for name, value in record.headers}
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_id"] == event.id
    assert headers["ce_type"] == "carecoord.referral.triaged.v1"
    assert headers["ce_source"] == "/carecoord/referrals"
    assert headers["ce_subject"] == "ServiceRequest/sr-1"
    assert headers["ce_time"] == "2025-03-01T09:30:00.123456Z"
    assert headers["content-type"] == "application/json"
    assert headers["correlation_id"] == "corr-123"
    assert orjson.loads(record.value) == {"outcome": "accepted", "priority": "urgent"}


def test_key_is_the_nhs_number_or_else_the_subject_reference() -> None:
    assert to_record(_triaged()).key == NHS.encode()
    assert to_record(_triaged(nhs_number=None)).key == b"ServiceRequest/sr-1"


def test_a_record_reads_back_as_the_same_event() -> None:
    event = _triaged()
    record = to_record(event)
    assert from_record(record.key, record.value, record.headers) == event


def test_new_events_continue_the_trace_in_context() -> None:
    token = traceparent_var.set(TRACE)
    try:
        traceparent = _triaged().traceparent
    finally:
        traceparent_var.reset(token)
    version, trace_id, span_id, flags = traceparent.split("-")
    assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")
    assert span_id != "00f067aa0ba902b7"


@pytest.mark.parametrize("context", [None, "garbage", "00-" + "0" * 32 + "-00f067aa0ba902b7-01"])
def test_a_new_trace_starts_when_the_context_has_no_valid_one(context: str | None) -> None:
    token = traceparent_var.set(context)
    try:
        first, second = child_traceparent(), child_traceparent()
    finally:
        traceparent_var.reset(token)
    assert first.startswith("00-")
    assert len(first) == 55
    assert first.split("-")[1] != second.split("-")[1]


def test_unknown_headers_are_ignored() -> None:
    record = to_record(_triaged())
    event = from_record(record.key, record.value, [*record.headers, ("x-new", b"\x00\x01")])
    assert event.type == "carecoord.referral.triaged.v1"


def _headers_without(name: str) -> list[tuple[str, bytes]]:
    return [(n, v) for n, v in to_record(_triaged()).headers if n != name]


@pytest.mark.parametrize(
    ("key", "value", "headers", "reason"),
    [
        (b"k", b"{}", _headers_without("ce_id"), "missing CloudEvents header ce_id"),
        (b"k", b"{}", [], "missing CloudEvents header"),
        (b"k", b"not json " + NHS.encode(), _headers_without("x"), "value is not JSON"),
        (b"k", b'["' + NHS.encode() + b'"]', _headers_without("x"), "not a JSON object"),
        (b"k", b"{}", [*_headers_without("ce_specversion"), ("ce_specversion", b"0.3")], "spec"),
        (b"k", b"{}", [*_headers_without("ce_time"), ("ce_time", b"yesterday")], "ce_time"),
        (b"k", b"{}", [*_headers_without("ce_type"), ("ce_type", b"\xff")], "not UTF-8"),
        (b"\xff", b"{}", _headers_without("x"), "key is not UTF-8"),
        (b"k", b"<a/>", [*_headers_without("content-type"), ("content-type", b"text/xml")], "JSON"),
    ],
)
def test_records_that_are_not_carecoord_cloudevents_are_refused_without_data(
    key: bytes, value: bytes, headers: list[tuple[str, bytes]], reason: str
) -> None:
    with pytest.raises(InvalidEnvelope, match=reason) as raised:
        from_record(key, value, headers)
    assert NHS not in str(raised.value)


def test_the_reference_sdk_reads_what_we_write() -> None:
    event = _triaged()
    record = to_record(event)
    message = sdk_kafka.KafkaMessage(
        headers=dict(record.headers), key=record.key, value=record.value
    )
    parsed = sdk_kafka.from_binary(message, JSONFormat(), CloudEvent)
    assert parsed.get_id() == event.id
    assert parsed.get_type() == event.type
    assert parsed.get_subject() == event.subject
    assert parsed.get_time() == event.time
    assert parsed.get_data() == event.data


def test_we_read_what_the_reference_sdk_writes() -> None:
    sdk_event = CloudEvent(
        attributes={
            "type": "carecoord.referral.triaged.v1",
            "source": "/carecoord/referrals",
            "subject": "ServiceRequest/sr-1",
            "datacontenttype": "application/json",
            "partitionkey": NHS,
        },
        data={"outcome": "accepted"},
    )
    message = sdk_kafka.to_binary(sdk_event, JSONFormat())
    assert isinstance(message.key, str)
    event = from_record(message.key.encode(), message.value, list(message.headers.items()))
    assert event.id == sdk_event.get_id()
    assert event.time == sdk_event.get_time()
    assert event.key == NHS
    assert event.data == {"outcome": "accepted"}
