"""The chaos run's plan and findings: which faults it inflicts in which order, and
which answers, readiness samples, recoveries and data it calls a failure. The run
itself (`tests/chaos`) exercises these against the real stack; here each rule is
pinned on records made by hand, so a rule that could never fail would show."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from carecoord_devstack.chaos import FULL, SMALL
from carecoord_devstack.chaos_checks import Verdict, _order
from carecoord_devstack.chaos_faults import Fault, FaultResult
from carecoord_devstack.chaos_load import Answer, Person, Unit
from carecoord_devstack.chaos_report import (
    answers_findings,
    data_findings,
    readiness_findings,
    recovery_findings,
    units_findings,
)

T0 = 1_000_000.0


@pytest.fixture(autouse=True)
def _replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARECOORD_REPLICAS", raising=False)


def _result(
    kind: str, name: str, back: float, consuming: float | None, at: float = T0
) -> FaultResult:
    result = FaultResult(Fault(kind, name), name, at, 1, back_s=back, consuming_s=consuming)
    result.back_at = at + back
    return result


def test_the_full_run_kills_every_worker_three_times_the_broker_twice_the_database_once() -> None:
    faults = FULL.faults()
    kinds = Counter(f.target if f.kind == "worker" else f.kind for f in faults)
    assert kinds == {
        "portal-worker": 3,
        "relay": 3,
        "care_plans-worker": 3,
        "mdt-worker": 3,
        "kafka": 2,
        "postgres": 1,
    }
    infra = [i for i, f in enumerate(faults) if f.kind in ("kafka", "postgres")]
    assert infra[0] > 0
    assert all(b - a > 1 for a, b in itertools.pairwise(infra))


def test_the_small_run_kills_a_worker_first_then_the_broker_and_the_database() -> None:
    assert [f.kind for f in SMALL.faults()] == ["worker", "kafka", "postgres"]


def test_with_replicas_each_replica_is_killed_in_turn_and_an_api_replica_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CARECOORD_REPLICAS", "2")
    targets = [f.target for f in FULL.faults()]
    assert targets.count("care_plans-worker") == 2
    assert targets.count("care_plans-2-worker") == 1
    assert "referrals-2" in targets


def test_503_with_retry_after_is_expected_only_while_the_database_is_away() -> None:
    results = [
        _result("postgres", "postgres", 10, 12),
        _result("kafka", "kafka", 20, 30, at=T0 + 45),
    ]
    fine = Answer(T0 + 5, "submit", 503, True, "u")
    after_grace = Answer(T0 + 40, "submit", 503, True, "u")
    without_header = Answer(T0 + 5, "triage", 503, False, "u")
    during_kafka = Answer(T0 + 50, "submit", 503, True, "u")  # retry-after is no excuse
    server_error = Answer(T0 + 5, "submit", 500, False, "u")
    said: list[str] = []
    failures = answers_findings(
        [fine, after_grace, without_header, during_kafka, server_error], results, said.append
    )
    assert len(failures) == 4
    assert any("kill -9 kafka" in f for f in failures)
    assert any("with no fault" in f for f in failures)


def test_a_refused_connection_is_fine_only_while_an_api_replica_is_down() -> None:
    results = [_result("api", "referrals-2", 25, 0.2)]  # the others served all along
    assert not answers_findings([Answer(T0 + 20, "submit", 0, False, "u")], results, print)
    assert answers_findings([Answer(T0 + 60, "submit", 0, False, "u")], results, print)


def test_readyz_must_stay_200_and_say_degraded_while_kafka_is_down() -> None:
    results = [_result("kafka", "kafka", 20, 30)]
    healthy = [(T0 + 10, "referrals", 200, "degraded"), (T0 + 12, "mdt", 200, "degraded")]
    assert readiness_findings(healthy, results, print) == []
    unready = [*healthy, (T0 + 14, "mdt", 503, "not-ready")]
    assert readiness_findings(unready, results, print) == [
        "/readyz of mdt 503 not-ready (x1) while Kafka was down"
    ]
    never = [(T0 + 10, "referrals", 200, "degraded"), (T0 + 12, "mdt", 200, "ready")]
    assert readiness_findings(never, results, print) == [
        "/readyz of mdt never said degraded while Kafka was down"
    ]


def test_slow_recovery_fails_only_when_limits_are_enforced_and_never_recovering_always() -> None:
    slow = [_result("worker", "care_plans-worker", 20, 45), _result("kafka", "kafka", 30, 100)]
    assert len(recovery_findings(slow, print)) == 2
    assert recovery_findings(slow, print, enforce=False) == []
    stuck = [_result("worker", "mdt-worker", 20, None)]
    assert recovery_findings(stuck, print, enforce=False)


def test_plans_out_of_order_doubly_linked_or_missing_a_task_are_found() -> None:
    person = Person("9990000018", "Y01001")
    units = [Unit(n, person, request_id=f"r{n}", acknowledged=True) for n in (1, 2, 3)]
    effects = {"r1": ["t1"], "r2": ["t2"], "r3": ["t3"]}
    verdict = Verdict()
    _order(verdict, units, effects, {"9990000018": ["t2", "t1", "t1"]})
    assert verdict.reordered
    assert verdict.duplicated == ["Task/t1 linked 2 times"]
    assert verdict.unlinked == ["r3"]
    assert not verdict.ok


def test_the_data_verdict_lists_every_kind_of_loss() -> None:
    verdict = Verdict(committed=3, lost=["r9"], dead_letters={"carecoord.referrals.v1.dlt": 2})
    verdict.acknowledged_not_committed = [7]
    failures = data_findings(verdict, 3, print)
    assert len(failures) == 3
    assert Verdict(committed=3, dead_letters={"x.dlt": 0}).ok


def test_a_unit_the_client_gave_up_on_is_a_failure() -> None:
    person = Person("9990000018", "Y01001")
    units = [Unit(1, person, acknowledged=True), Unit(2, person, failed="triage 409")]
    assert units_findings(units) == ["clients gave up on 1 units: triage 409"]
