"""Backups of the state database that protect it: copied whole, rotated only when sound.

Before a command writes, the database is copied with SQLite's backup API (a consistent snapshot,
WAL included) into a private temporary file, which replaces PATH.1 once PATH.1 … PATH.N-1 have
moved up one. A database that fails SQLite's quick check is never copied over a good backup:
the command stops and names the newest backup that passes the check, with how to restore it.
Playbook processes backing up one database at the same time take turns (a lock beside it), so
each copy is whole and none is lost.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from playbook.diagnostics import PlaybookError

#: Substrings of SQLite's messages for a database whose content is damaged, not merely busy.
DAMAGE = ("malformed", "disk i/o error", "database corrupt")


def rotate_backups(
    connection: sqlite3.Connection, path: Path, count: int, locks: Path, timeout: float
) -> None:
    """Copy the database behind `connection` to PATH.1, keeping `count` copies."""
    problem = _quick_check(connection)
    if problem is not None:
        raise damaged_database_error(path, problem)
    copies = [path.with_name(f"{path.name}.{number}") for number in range(1, count + 1)]
    temporary = path.with_name(f".{path.name}.backup-{os.getpid()}")
    try:
        with _turn(locks / "backup.lock", timeout):
            os.close(os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
            with contextlib.closing(sqlite3.connect(temporary)) as target:
                connection.backup(target)
            for older, newer in zip(reversed(copies[:-1]), reversed(copies[1:]), strict=True):
                if older.exists():
                    older.replace(newer)
            temporary.replace(copies[0])
    except (OSError, sqlite3.Error) as error:
        full = isinstance(error, OSError) and error.errno == errno.ENOSPC
        raise PlaybookError.single(
            f"cannot back up the state database to {copies[0]}: {error}",
            hint="free some space"
            if full
            else "check the folder's permissions and space, or set database.backup_enabled = false",
        ) from None
    finally:
        temporary.unlink(missing_ok=True)


def damaged(kind: type[BaseException], error: object) -> bool:
    """Whether an exception says the database file is damaged (not busy, not a bad query)."""
    return issubclass(kind, sqlite3.DatabaseError) and any(
        word in str(error).lower() for word in DAMAGE
    )


def damaged_database_error(path: Path, problem: object) -> PlaybookError:
    """The error for a damaged database: what SQLite says, and the newest good backup."""
    good = newest_good_backup(path)
    if good is None:
        hint = f"no good backup of it was found; move {path} away to start a new one"
    else:
        hint = (
            f"the newest good backup is {good}: restore it with `mv {path} {path}.damaged &&"
            f" cp {good} {path}` (and remove {path}-wal and {path}-shm if they exist)"
        )
    return PlaybookError.single(f"the state database {path} is damaged ({problem})", hint=hint)


def newest_good_backup(path: Path) -> Path | None:
    """PATH.1, PATH.2, … : the first that SQLite can open and that passes its quick check."""
    number = 1
    while (candidate := path.with_name(f"{path.name}.{number}")).exists():
        try:
            address = f"{candidate.absolute().as_uri()}?mode=ro"
            with contextlib.closing(sqlite3.connect(address, uri=True)) as copy:
                if _quick_check(copy) is None:
                    return candidate
        except sqlite3.Error:
            pass
        number += 1
    return None


def _quick_check(connection: sqlite3.Connection) -> str | None:
    """None when the database is sound; otherwise SQLite's first complaint."""
    try:
        verdict = connection.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return str(error)
    return None if verdict == "ok" else str(verdict)


@contextlib.contextmanager
def _turn(lock_path: Path, timeout: float) -> Iterator[None]:
    """Hold the backup lock, waiting up to `timeout` seconds for another process to finish."""
    lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OSError(
                        errno.EBUSY, "another Playbook process is backing it up"
                    ) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(descriptor)
