"""Options, fixtures and Hypothesis profiles shared by every test folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import Processes
from hypothesis import HealthCheck, settings

# `quick` keeps the everyday suite fast; CI sets PLAYBOOK_HYPOTHESIS_PROFILE=thorough. No
# deadlines: a shared machine's pauses are not failures.
_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("quick", max_examples=50, **_COMMON)
settings.register_profile("thorough", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("PLAYBOOK_HYPOTHESIS_PROFILE", "quick"))


# Temporary folders (tmp_path, and so every test's state database) live in memory where the
# machine has a large enough tmpfs: each run fsyncs its database, and on a busy disk those waits
# took most of the suite's time. TMPDIR, when set, still decides.
_MEMORY = Path("/dev/shm")
if (
    "TMPDIR" not in os.environ
    and _MEMORY.is_dir()
    and os.access(_MEMORY, os.W_OK)
    and shutil.disk_usage(_MEMORY).free > 2**30
):
    tempfile.tempdir = str(_MEMORY)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden IR, golden diagrams and expected diagnostics instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True under `pytest --update-golden`: expected files are rewritten, not compared."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def processes() -> Iterator[Processes]:
    """Starts real processes; each is killed, with every process it started, after the test."""
    started = Processes()
    yield started
    started.kill_all()
