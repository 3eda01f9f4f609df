"""Waiting for a Kafka broker: a recovering broker is waited for (never stopped), a dead
one is given up on at once, and one that neither answers nor recovers is stuck."""

from __future__ import annotations

from pathlib import Path

import pytest

from carecoord_devstack.kafka_recovery import (
    LogFollower,
    RecoveryWatch,
    Verdict,
    WaitLimits,
    verdict,
)

LIMITS = WaitLimits(ready=90.0, overall=600.0, quiet=120.0)
DIR = "/repo/.run/kafka/data/9092"
RECOVERY_LOG = [
    "[2026-11-30 15:36:49,714] INFO Loading logs from log dirs ArrayBuffer(/x) (kafka.log.x)",
    f"[2026-11-30 15:36:49,720] INFO Recovering 120 logs from {DIR} since no clean shutdown "
    "file was found (kafka.log.LogManager)",
    "[2026-11-30 15:36:50,001] INFO [QuorumController id=1] Replayed a record (x)",
    f"[2026-11-30 15:36:55,100] INFO Completed load of Log(dir={DIR}/t-0, topicId=x) with 1 "
    f"segments, local-log-start-offset 0 and log-end-offset 812 in 5120ms (37/120 completed "
    f"in {DIR}) (kafka.log.LogManager)",
]


@pytest.mark.parametrize(
    ("elapsed", "alive", "progress_age", "expected"),
    [
        (5.0, True, None, Verdict.WAIT),  # just started
        (5.0, False, 1.0, Verdict.DIED),  # dead: give up at once, recovering or not
        (95.0, True, None, Verdict.STUCK),  # past the ready limit with no recovery seen
        (95.0, True, 200.0, Verdict.STUCK),  # recovery went quiet long ago
        (300.0, True, 10.0, Verdict.WAIT),  # recovering: wait past the ready limit
        (600.0, True, 10.0, Verdict.TOO_LONG),  # still recovering at the overall limit
        (600.0, True, None, Verdict.STUCK),
    ],
)
def test_verdict(
    elapsed: float, alive: bool, progress_age: float | None, expected: Verdict
) -> None:
    assert verdict(elapsed=elapsed, alive=alive, progress_age=progress_age, limits=LIMITS) is (
        expected
    )


def test_recovery_lines_are_progress_and_say_how_far_it_got() -> None:
    watch = RecoveryWatch()

    assert watch.feed(RECOVERY_LOG, now=10.0)
    assert not watch.feed(["[x] INFO [QuorumController id=1] Replayed a record (y)"], now=20.0)

    assert watch.age(now=25.0) == 15.0
    assert watch.summary() == "recovering 120 logs after an unclean shutdown, 37/120 logs loaded"


def test_the_follower_returns_only_whole_new_lines_and_survives_a_rollover(
    tmp_path: Path,
) -> None:
    log = tmp_path / "server.log"
    log.write_text("before the wait began\n")
    follower = LogFollower(log)
    assert follower.new_lines() == []

    with log.open("a") as out:
        out.write("first\nsecond, half")
    assert follower.new_lines() == ["first"]
    with log.open("a") as out:
        out.write(" written\n")
    assert follower.new_lines() == ["second, half written"]

    log.write_text("after rollover\n")  # log4j started a new, shorter file
    assert follower.new_lines() == ["after rollover"]
