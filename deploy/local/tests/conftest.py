"""Fixtures of the local stack's own tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from carecoord_devstack import paths
from carecoord_devstack.supervisor import STATE_FILE


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh CARECOORD_HOME (the folder `.run/` lives in) for one test."""
    monkeypatch.setenv("CARECOORD_HOME", str(tmp_path))
    paths.repo_root.cache_clear()
    yield tmp_path
    paths.repo_root.cache_clear()


@pytest.fixture
def record_stack(home: Path) -> Callable[[dict[str, Any]], None]:
    """Writes a record of the stack where the supervisor keeps it (in `home`), for
    `carecoord status` and the bench to read."""

    def write(record: dict[str, Any]) -> None:
        (home / ".run").mkdir()
        (home / ".run" / STATE_FILE).write_bytes(orjson.dumps(record))

    return write
