"""The `ws` fixture: a fresh workspace (fake tools, a state database of the test's backend)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Processes
from runtime_support import Workspace
from state_databases import StateDatabase


@pytest.fixture
def ws(tmp_path: Path, processes: Processes, state_database: StateDatabase) -> Workspace:
    return Workspace(tmp_path, processes, state_database)
