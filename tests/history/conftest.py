"""Fixtures of the history tests: state databases filled by real runs, read in-process."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# The real-run workspace (fake tools on PATH, isolated HOME) is the runtime tests' own.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))

from cli_support import Processes
from history_support import Drill, fill_drill
from postgres_server import PostgresServer
from runtime_support import Workspace
from state_databases import PostgresDatabase, StateDatabase, copy_state


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times are shown in local time: make local time UTC, whatever the machine says."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def ws(tmp_path: Path, processes: Processes, state_database: StateDatabase) -> Workspace:
    return Workspace(tmp_path, processes, state_database)


@pytest.fixture(scope="module")
def sqlite_drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    """Six real runs of one runbook: clean, retried, skipped, aborted then resumed, aborted,
    declined; filled once per test module and only read by its tests."""
    return fill_drill(Workspace(tmp_path_factory.mktemp("drill")))


@pytest.fixture(scope="module")
def drill(
    backend: str,
    sqlite_drill: Drill,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Drill:
    """The drill's runs in the module's backend: on PostgreSQL, copied there from SQLite as
    `playbook state import` copies them."""
    if backend == "sqlite":
        return sqlite_drill
    server: PostgresServer = request.getfixturevalue("postgres")

    def new_database(folder: Path) -> StateDatabase:
        return PostgresDatabase(server.new_database())

    ws = Workspace(tmp_path_factory.mktemp("drill-postgresql"), state=new_database(Path()))
    copy_state(sqlite_drill.state, ws.state)
    return Drill(ws, sqlite_drill.file, sqlite_drill.ids, new_database)
