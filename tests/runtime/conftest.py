"""The `ws` fixture: a fresh workspace (fake tools, state database) for each test."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Processes
from runtime_support import Workspace


@pytest.fixture
def ws(tmp_path: Path, processes: Processes) -> Workspace:
    return Workspace(tmp_path, processes)
