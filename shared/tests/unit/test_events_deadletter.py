"""What the kernel writes into dead-letter headers, and how it paces retries."""

from __future__ import annotations

from types import SimpleNamespace

from carecoord_shared.events import (
    DLT_ATTEMPTS,
    DLT_ERROR_CLASS,
    DLT_ERROR_MESSAGE,
    DLT_ORIGINAL_OFFSET,
    DLT_ORIGINAL_PARTITION,
    DLT_ORIGINAL_TOPIC,
    Backoff,
    RejectEvent,
)
from carecoord_shared.events.deadletter import dead_letter_headers

NHS = "9000000009"


def _headers(exc: BaseException, attempts: int) -> dict[str, str]:
    record = SimpleNamespace(
        topic="carecoord.referrals.v1", partition=2, offset=41, headers=(("ce_id", b"e-1"),)
    )
    return {name: value.decode() for name, value in dead_letter_headers(record, "g", exc, attempts)}


def test_headers_say_where_the_record_came_from_and_keep_its_own() -> None:
    headers = _headers(ValueError("x"), 6)
    assert headers[DLT_ORIGINAL_TOPIC] == "carecoord.referrals.v1"
    assert headers[DLT_ORIGINAL_PARTITION] == "2"
    assert headers[DLT_ORIGINAL_OFFSET] == "41"
    assert headers[DLT_ATTEMPTS] == "6"
    assert headers["ce_id"] == "e-1"


def test_foreign_exception_text_never_reaches_the_headers() -> None:
    headers = _headers(KeyError(f"patient {NHS} not on the register"), 6)
    assert headers[DLT_ERROR_CLASS] == "builtins.KeyError"
    assert NHS not in headers[DLT_ERROR_MESSAGE]
    assert headers[DLT_ERROR_MESSAGE] == "handler failed 6 times"


def test_a_handler_rejection_reason_is_kept() -> None:
    headers = _headers(RejectEvent("unknown-care-team"), 1)
    assert headers[DLT_ERROR_MESSAGE] == "rejected by handler: unknown-care-team"


def test_backoff_grows_exponentially_to_its_cap() -> None:
    backoff = Backoff(initial_s=0.1, multiplier=2.0, max_s=0.5)
    assert [backoff.delay(n) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.5, 0.5]
