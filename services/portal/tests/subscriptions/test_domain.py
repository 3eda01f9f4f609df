"""The pure rules: Standard Webhooks signatures, the retry schedule, Retry-After, topics."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT
from portal.domain.subscriptions import Notification
from portal.domain.topics import CATALOGUE, TOPIC_ROOT, matches, topics_for_event
from portal.domain.webhooks import (
    RETRY_SCHEDULE,
    next_delay,
    retry_after,
    secret_problem,
    sign,
    signature_header,
)
from portal.service.delivery import bundles, webhook_id_of
from services.portal.tests.subscriptions.receiver import verify

# The example in the Standard Webhooks specification's reference libraries' tests.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'


def test_signature_matches_the_standard_webhooks_example() -> None:
    assert (
        sign(SECRET, MSG_ID, TIMESTAMP, BODY) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_both_secrets_sign_during_a_rotation_and_the_library_verifies_either() -> None:
    other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="
    now = int(time.time())
    header = signature_header([other, SECRET], MSG_ID, now, BODY)
    assert len(header.split()) == 2
    headers = {"webhook-id": MSG_ID, "webhook-timestamp": str(now), "webhook-signature": header}
    assert verify(SECRET, headers, BODY)
    assert verify(other, headers, BODY)
    assert not verify(SECRET, headers, BODY + b" ")  # a tampered body
    assert not verify(SECRET, {**headers, "webhook-id": "msg_other"}, BODY)


def test_the_library_refuses_a_replay_outside_its_window() -> None:
    then = int(time.time()) - 3600
    header = signature_header([SECRET], MSG_ID, then, BODY)
    headers = {"webhook-id": MSG_ID, "webhook-timestamp": str(then), "webhook-signature": header}
    assert not verify(SECRET, headers, BODY)


def test_retry_schedule_runs_about_three_days_then_gives_up() -> None:
    assert [d.total_seconds() for d in RETRY_SCHEDULE[:3]] == [0, 5, 300]
    assert sum(RETRY_SCHEDULE, timedelta()) == timedelta(hours=75, minutes=35, seconds=5)
    assert next_delay(1).wait == timedelta(seconds=5)
    assert next_delay(9).wait == timedelta(hours=24)
    assert next_delay(10).wait is None


def test_retry_after_in_seconds_or_as_a_date_is_capped_at_a_day() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after("120", now) == timedelta(minutes=2)
    assert retry_after("Thu, 01 Jan 2026 00:01:00 GMT", now) == timedelta(minutes=1)
    assert retry_after("999999", now) == timedelta(hours=24)
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None


def test_secrets_must_be_whsec_base64_of_24_to_64_bytes() -> None:
    assert secret_problem(SECRET) is None
    assert secret_problem("whsec_c2hvcnQ=")
    assert secret_problem("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    assert secret_problem("whsec_%%%")


def test_every_topic_is_canonical_under_the_project_root_and_filters_are_anded() -> None:
    assert TOPIC_ROOT.startswith(CANONICAL_ROOT)
    assert len({t.canonical for t in CATALOGUE}) == len(CATALOGUE) >= 15
    (triaged,) = topics_for_event("carecoord.referral.triaged.v1")
    assert "outcome" in triaged.filters
    data = {"nhsNumber": "9000000009", "outcome": "accepted"}
    assert matches({"outcome": "accepted", "patient": "9000000009"}, data, None)
    assert not matches({"outcome": "accepted", "practice": "A81001"}, data, None)
    assert matches({"practice": "A81001"}, data, "A81001")


def pending(*attempts: int) -> list[Notification]:
    now = datetime.now(UTC)
    return [
        Notification("s", n, f"e{n}", "t", None, None, now, now, "pending", tried, None)
        for n, tried in enumerate(attempts, start=1)
    ]


def test_bundles_carry_up_to_max_count_and_a_failed_batch_goes_again_whole() -> None:
    def numbers(claimed: list[Notification], max_count: int) -> list[list[int]]:
        return [[n.event_number for n in b] for b in bundles(claimed, max_count)]

    assert numbers(pending(0, 0, 0, 0, 0), 2) == [[1, 2], [3, 4], [5]]
    assert numbers(pending(1, 1, 0, 0, 0), 3) == [[1, 2], [3, 4, 5]]  # the failed pair again
    assert numbers(pending(2, 0, 0), 1) == [[1], [2], [3]]
    assert webhook_id_of("s", [7]) == "msg_s_7"  # a single event keeps its id on retry
    assert webhook_id_of("s", [7, 8, 9]) == "msg_s_7-9"
