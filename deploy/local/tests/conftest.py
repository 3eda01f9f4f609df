"""Fixtures of the local stack's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from carecoord_devstack import paths


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh CARECOORD_HOME (the folder `.run/` lives in) for one test."""
    monkeypatch.setenv("CARECOORD_HOME", str(tmp_path))
    paths.repo_root.cache_clear()
    yield tmp_path
    paths.repo_root.cache_clear()
