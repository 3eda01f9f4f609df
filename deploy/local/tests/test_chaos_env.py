"""The chaos run's own place: ports that are neither the developer stack's nor inside
the ephemeral range, a home that starts empty and borrows the checkout's code and jars,
and a lock so two chaos runs never share those ports."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from carecoord_devstack.chaos_env import ChaosPorts, chaos_environment, exclusive, prepare_home
from carecoord_devstack.paths import DevstackError, ephemeral_range
from carecoord_shared.testing.loopback import TEST_PORTS

DEFAULT_PORTS = {5433, 9092, 9093, 8000, 8001, 8002, 8003, 8090, 8100, 8101, 8102, 8103}


def _checkout(tmp_path: Path, pom: bytes = b"<project/>") -> Path:
    checkout = tmp_path / "checkout"
    for folder in ("services", "shared", "deploy/kafka", ".run/kafka/libs"):
        (checkout / folder).mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    (checkout / "deploy/kafka/pom.xml").write_bytes(pom)
    return checkout


def _every_port(env: dict[str, str]) -> set[int]:
    ports = {int(v) for k, v in env.items() if k.endswith("_PORT")}
    ports |= {int(env["CARECOORD_KAFKA_PORT"]) + 1}  # the controller
    ports |= {p + 10 for p in ports if 28000 <= p < 28200}  # second replicas
    return ports | {int(env["PORTAL_WORKER_PORT"]) + 50}  # the portal's delivery process


def test_every_chaos_port_is_its_own_and_outside_the_ephemeral_range(tmp_path: Path) -> None:
    env = chaos_environment(tmp_path, ChaosPorts(), replicas=2)
    ports = _every_port(env)
    low, _ = ephemeral_range()
    assert max(ports) < low
    assert not ports & DEFAULT_PORTS
    assert env["CARECOORD_HOME"] == str(tmp_path)
    assert env["CARECOORD_TEST_DATABASE_URL"] == ""  # cleared, never inherited


def test_no_port_a_test_picks_for_itself_can_be_a_chaos_port(tmp_path: Path) -> None:
    # the chaos run shares `make test` with tests that start servers on picked ports;
    # one picked 28103 once, and the chaos stack's mdt worker could not start
    env = chaos_environment(tmp_path, ChaosPorts(), replicas=2)
    ports = _every_port(env)
    low, _ = ephemeral_range()
    assert not ports & set(TEST_PORTS)
    assert TEST_PORTS.stop <= low


def test_a_new_home_is_empty_links_the_code_and_borrows_current_jars(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    stamp = checkout / ".run/kafka/libs/.pom-sha256"
    stamp.write_text(hashlib.sha256(b"<project/>").hexdigest() + "\n")
    home = prepare_home(checkout)
    (home / ".run" / "logs").mkdir()
    (home / ".run" / "logs" / "old.log").write_text("from the last run")
    home = prepare_home(checkout)
    assert (home / "services").resolve() == (checkout / "services").resolve()
    assert not (home / ".run" / "logs").exists()
    assert (home / ".run/kafka/libs").resolve() == (checkout / ".run/kafka/libs").resolve()


def test_jars_fetched_for_another_pom_are_not_borrowed(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    (checkout / ".run/kafka/libs/.pom-sha256").write_text("not the pom's digest\n")
    home = prepare_home(checkout)
    assert not (home / ".run/kafka/libs").exists()


def test_a_second_chaos_run_waits_for_the_first_and_gives_up_in_time(tmp_path: Path) -> None:
    # flock belongs to an open file: a second open, even in this process, is another holder
    with (
        exclusive(tmp_path, wait_s=1),
        pytest.raises(DevstackError, match="another chaos run"),
        exclusive(tmp_path, 0.5),
    ):
        pass
    with exclusive(tmp_path, wait_s=5):
        pass  # free again
