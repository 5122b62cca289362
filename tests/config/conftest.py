"""The `machine` fixture: a fresh /etc, home and working folder for each test."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_support import Machine


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    found = Machine(tmp_path)
    for folder in (found.etc, found.home, found.cwd):
        folder.mkdir(parents=True)
    return found
