"""A throwaway PostgreSQL server for the tests: its own cluster in a temporary folder, on a free
local port, stopped and removed when the test session ends.

The server binaries come from the system (`initdb` and `pg_ctl` on PATH, or Debian's
/usr/lib/postgresql/VERSION/bin, which the `postgresql` package installs). PostgreSQL refuses
to run as root, so as root the cluster belongs to the `postgres` user and its commands run as
that user. Each test gets a database of its own (`new_database`), created in a few
milliseconds.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

#: Where Debian and Ubuntu put the server binaries of each major version.
PACKAGED_BINARIES = "/usr/lib/postgresql/*/bin"
SYSTEM_USER = "postgres"
STARTS = 3
ROLE = "playbook"
SETTINGS = ("listen_addresses=127.0.0.1",)
#: Durability across a crash of the server itself is not what the tests are about; a benchmark
#: that compares commit costs keeps the server's defaults instead.
UNSAFE_SETTINGS = ("fsync=off", "full_page_writes=off")


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, the newest version first."""
    found = shutil.which("initdb")
    candidates = [Path(found).parent] if found else []
    candidates += sorted(Path("/").glob(PACKAGED_BINARIES.lstrip("/")), reverse=True)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def missing() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install '.[test]' installs it)"
    if binaries() is None:
        return (
            "the PostgreSQL server binaries (initdb, pg_ctl) are not installed: install the"
            " `postgresql` package (.ci/run does)"
        )
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without `runuser` to start PostgreSQL as its own user"
    return None


class PostgresServer:
    def __init__(self, durable: bool = False) -> None:
        folder = binaries()
        assert folder is not None, missing()
        self.bin = folder
        self.root = Path(tempfile.mkdtemp(prefix="playbook-postgres-"))
        self.data = self.root / "data"
        self._names = itertools.count(1)
        if os.geteuid() == 0:
            shutil.chown(self.root, SYSTEM_USER)
        self._as_owner(
            "initdb",
            "-D",
            self.data,
            "-U",
            ROLE,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        settings = SETTINGS if durable else SETTINGS + UNSAFE_SETTINGS
        # A port free a moment ago may be taken by then (pytest-xdist's workers each start a
        # server): try another.
        for attempt in range(STARTS):
            self.port = _free_port()
            options = " ".join(
                ["-p", str(self.port), "-k", str(self.root)] + [f"-c {item}" for item in settings]
            )
            try:
                self._as_owner(
                    "pg_ctl", "-D", self.data, "-o", options, "-l", self.root / "log", "-w", "start"
                )
                break
            except RuntimeError:
                if attempt == STARTS - 1:
                    raise

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> object:
        """A connection to the server's maintenance database, for what the tests do to it."""
        import psycopg

        return psycopg.connect(self.url(), autocommit=True)

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        with self.admin() as connection:  # type: ignore[attr-defined]
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._as_owner("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _as_owner(self, program: str, *args: str | Path) -> None:
        """Run a server program as the cluster's owner: `postgres` when this is root."""
        command = [str(self.bin / program), *map(str, args)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SYSTEM_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = self.root / "log"
            detail = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{program} failed: {done.stderr}{done.stdout}{detail}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
