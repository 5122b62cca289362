"""Options, fixtures and Hypothesis profiles shared by every test folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import postgres_server
import pytest
from cli_support import Processes
from hypothesis import HealthCheck, settings
from postgres_server import PostgresServer
from state_databases import BACKENDS, PostgresDatabase, SQLiteDatabase, StateDatabase

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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `both_backends` that uses the `backend` fixture runs on each backend; a
    module's database fixtures are filled once per backend."""
    if metafunc.definition.get_closest_marker("both_backends") and (
        "backend" in metafunc.fixturenames
    ):
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="module")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test that draws with Graphviz skips, saying why, on a machine without its `dot`."""
    if item.get_closest_marker("needs_dot") and shutil.which("dot") is None:
        pytest.skip(
            "Graphviz's `dot` is not installed (sudo apt-get install graphviz; .ci/run installs it)"
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


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session, started by the first test that needs it and
    always stopped; the tests that need it skip, saying why, where it cannot run."""
    reason = postgres_server.missing()
    if reason is not None:
        pytest.skip(reason)
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The database the test's state lives in: SQLite unless `both_backends` says otherwise."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def state_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> StateDatabase:
    """A new state database of the test's backend (an SQLite file not created yet)."""
    if backend == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        return PostgresDatabase(server.new_database())
    return SQLiteDatabase(tmp_path / "state" / "run.db")
