"""Replicas: `CARECOORD_REPLICAS=2` runs a second API and a second worker per service on
their own ports, and the supervisor restarts a replica with its own port again."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from carecoord_devstack.paths import DevstackError, ephemeral_range
from carecoord_devstack.restarts import RestartPolicy
from carecoord_devstack.stack_processes import Child, end
from carecoord_devstack.stack_services import children, replica_count, replica_env, replicas
from carecoord_devstack.supervisor import Supervisor

PRINT_PORT = (
    "import os, time; print('port', os.environ['REFERRALS_PORT'], flush=True); time.sleep(30)"
)


@pytest.fixture(autouse=True)
def _default_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    for prefix in ("PORTAL", "REFERRALS", "CARE_PLANS", "MDT"):
        monkeypatch.delenv(f"{prefix}_PORT", raising=False)
        monkeypatch.delenv(f"{prefix}_WORKER_PORT", raising=False)
    monkeypatch.delenv("CARECOORD_REPLICAS", raising=False)


def test_one_replica_of_each_by_default_on_the_usual_ports() -> None:
    assert replica_count() == 1
    apis = replicas(worker=False)
    assert [(r.name, r.port) for r in apis] == [
        ("portal", 8000),
        ("referrals", 8001),
        ("care_plans", 8002),
        ("mdt", 8003),
    ]
    assert replica_env() == {  # workers only: their stable names for static membership
        "portal-worker": {"PORTAL_WORKER_INSTANCE_ID": "portal-worker"},
        "referrals-worker": {"REFERRALS_WORKER_INSTANCE_ID": "referrals-worker"},
        "care_plans-worker": {"CARE_PLANS_WORKER_INSTANCE_ID": "care_plans-worker"},
        "mdt-worker": {"MDT_WORKER_INSTANCE_ID": "mdt-worker"},
    }


def test_second_replicas_get_ports_ten_up_through_their_own_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CARECOORD_REPLICAS", "2")
    monkeypatch.setenv("REFERRALS_PORT", "18001")
    apis = {r.name: r.port for r in replicas(worker=False)}
    workers = {r.name: r.port for r in replicas(worker=True)}
    assert apis["referrals"] == 18001
    assert apis["referrals-2"] == 18011
    assert workers["care_plans-2-worker"] == 8112
    env = replica_env()
    assert env["referrals-2"] == {"REFERRALS_PORT": "18011"}
    assert env["mdt-2-worker"] == {
        "MDT_WORKER_PORT": "8113",
        "MDT_WORKER_INSTANCE_ID": "mdt-2-worker",
    }
    names = {child.name for child in children(lambda _line: None)}
    assert {"referrals-2", "referrals-2-worker", "portal-2-worker"} <= names


@pytest.mark.parametrize("value", ["0", "5", "two", "-1"])
def test_a_replica_count_out_of_range_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CARECOORD_REPLICAS", value)
    with pytest.raises(DevstackError, match="CARECOORD_REPLICAS"):
        replica_count()


def test_a_replica_port_pushed_into_the_ephemeral_range_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    low, _ = ephemeral_range()
    monkeypatch.setenv("CARECOORD_REPLICAS", "2")
    monkeypatch.setenv("MDT_PORT", str(low - 5))  # the first is fine, the second is not
    with pytest.raises(DevstackError, match=r"MDT_PORT \(\+10\)"):
        [r.port for r in replicas(worker=False)]


def test_a_restarted_replica_keeps_its_own_port(tmp_path: Path) -> None:
    policy = RestartPolicy(first_delay=0.05, max_delay=0.2)
    supervisor = Supervisor(dict(os.environ, REFERRALS_PORT="8001"), policy=policy, echo=print)
    child = Child("referrals-2", [sys.executable, "-c", PRINT_PORT], log_dir=tmp_path)
    try:
        supervisor.start(child, "api", {"REFERRALS_PORT": "8011"})
        assert child.process is not None
        first = child.process.pid
        deadline = time.monotonic() + 30
        while "port 8011" not in child.log.read_text():
            assert time.monotonic() < deadline, "the replica never started"
            time.sleep(0.05)
        end([first], timeout=5)
        while child.process.pid == first or child.log.read_text().count("port 8011") < 2:
            assert time.monotonic() < deadline, child.log.read_text()
            supervisor.tick()
            time.sleep(0.05)
        assert "port 8001" not in child.log.read_text()
    finally:
        end([p.pid for p in supervisor.processes() if p.poll() is None], timeout=5)
        supervisor.close(timeout=5)
