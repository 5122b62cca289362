"""Fixtures of the history tests: state databases filled by real runs, read in-process."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# The real-run workspace (fake tools on PATH, isolated HOME) is the runtime tests' own.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))

from history_support import Drill, fill_drill
from runtime_support import Workspace


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times are shown in local time: make local time UTC, whatever the machine says."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    """Six real runs of one runbook: clean, retried, skipped, aborted then resumed, aborted,
    declined; filled once per test module and only read by its tests."""
    return fill_drill(Workspace(tmp_path_factory.mktemp("drill")))
