"""Ports inside Linux's ephemeral range are refused up front, naming the variable and
the range: a listener there can lose its port to an outgoing connection."""

from __future__ import annotations

from pathlib import Path

import pytest

from carecoord_devstack.kafka import kafka_port
from carecoord_devstack.paths import (
    DEFAULT_EPHEMERAL_RANGE,
    DevstackError,
    env_port,
    ephemeral_range,
    refuse_ephemeral,
)


def test_the_range_is_read_from_the_kernel_setting(tmp_path: Path) -> None:
    setting = tmp_path / "ip_local_port_range"
    setting.write_text("20000\t29999\n")

    assert ephemeral_range(setting) == (20000, 29999)
    assert ephemeral_range(tmp_path / "missing") == DEFAULT_EPHEMERAL_RANGE


def test_a_port_inside_the_range_is_refused_naming_the_variable_and_the_range() -> None:
    with pytest.raises(DevstackError) as refused:
        refuse_ephemeral("MDT_PORT", 40000, (32768, 60999))

    assert "MDT_PORT" in str(refused.value)
    assert "32768-60999" in str(refused.value)
    assert "40000" in str(refused.value)


@pytest.mark.parametrize("port", [32767, 61000, 8001])
def test_ports_outside_the_range_are_accepted(port: int) -> None:
    assert refuse_ephemeral("MDT_PORT", port, (32768, 60999)) == port


def test_a_port_variable_set_inside_the_machines_range_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    low, high = ephemeral_range()
    monkeypatch.setenv("REFERRALS_PORT", str(low))

    with pytest.raises(DevstackError, match=f"REFERRALS_PORT.*{low}-{high}"):
        env_port("REFERRALS_PORT", 8001)


def test_kafkas_controller_port_next_to_the_broker_port_is_checked_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    low, _high = ephemeral_range()
    monkeypatch.setenv("CARECOORD_KAFKA_PORT", str(low - 1))

    with pytest.raises(DevstackError, match=r"CARECOORD_KAFKA_PORT.*controller"):
        kafka_port()


def test_a_port_below_the_range_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARECOORD_KAFKA_PORT", "19092")

    assert kafka_port() == 19092
