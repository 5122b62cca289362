"""The `ws` fixture: a fresh workspace (fake tools, state database) for each test."""

from __future__ import annotations

from pathlib import Path

import pytest
from runtime_support import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)
