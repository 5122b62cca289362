"""The state in an SQLite file: one machine's runs, the default.

Every transition is one `BEGIN IMMEDIATE` transaction in WAL mode with `synchronous=FULL`. The
file is created private (0600) and a database that is not Playbook's is refused, never replaced.
Only `run` creates the file (`OpenMode.CREATE`); commands that continue or inspect runs open an
existing one, so a mistyped path is an error instead of a new, empty database.

A run's owner holds an `flock` on `run-N.lock` in a folder beside the database (`run.db.locks/`),
which the kernel releases however the process ends. Before a command writes, the database is
backed up (see `backups`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from playbook.diagnostics import PlaybookError
from playbook.redaction import Redactor
from playbook.runtime.store.backups import damaged, damaged_database_error, rotate_backups
from playbook.runtime.store.locations import SQLiteFile
from playbook.runtime.store.records import OpenMode
from playbook.runtime.store.schema import SCHEMA_VERSION, SQLITE, migration
from playbook.runtime.store.sql import SqlStore, Writer

#: "PLBK": marks a database as Playbook's in the SQLite header (PRAGMA application_id).
APPLICATION_ID = 0x504C424B


class SQLiteStore(SqlStore):
    dialect = SQLITE
    row_errors = (sqlite3.IntegrityError, sqlite3.ProgrammingError)

    def __init__(
        self,
        location: SQLiteFile,
        mode: OpenMode = OpenMode.CREATE,
        timeout: float = 30,
        redactor: Redactor | None = None,
    ) -> None:
        self.path = location.path
        #: A database this store created holds nothing worth a backup.
        self.created = not self.path.exists()
        connection, schema = _open(self.path, mode, timeout)
        super().__init__(location, connection, timeout, redactor)
        self.schema = schema
        #: Where every run's lock lives, and the locks of the runs this process owns.
        self.locks_folder = self.path.with_name(self.path.name + ".locks")
        self.locks: dict[int, RunLock] = {}

    def close(self) -> None:
        self.connection.close()
        for lock in self.locks.values():
            lock.release()
        self.locks.clear()
        self.owned.clear()

    def _in_transaction(self) -> bool:
        return self.connection.in_transaction

    def _explain(self, error: BaseException) -> PlaybookError | None:
        return damaged_database_error(self.path, error) if damaged(type(error), error) else None

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        return iter(self._execute(sql, params))

    def back_up(self, count: int) -> None:
        """Copy the database to PATH.1, shifting older copies up to PATH.`count` (0600 each)."""
        if not self.created and count >= 1:
            rotate_backups(self.connection, self.path, count, self.locks_folder, self.timeout)

    def _after_load(self, db: Writer) -> None:
        """Nothing: AUTOINCREMENT already numbers on from the largest id ever written."""

    def _lock(self, run_id: int) -> bool:
        lock = RunLock(self.locks_folder, run_id)
        if not lock.acquire():
            return False
        self.locks[run_id] = lock
        return True

    def _locked_elsewhere(self, run_id: int) -> bool:
        return RunLock(self.locks_folder, run_id).is_held_elsewhere()


class RunLock:
    """The lock of one run; held from `acquire` until `release` or the process's end."""

    def __init__(self, folder: Path, run_id: int) -> None:
        self.path = folder / f"run-{run_id}.lock"
        self._descriptor: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process holds it."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self._descriptor = descriptor
        return True

    def is_held_elsewhere(self) -> bool:
        """Whether a live process (another one, or another lock of this one) holds the lock."""
        try:
            descriptor = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(descriptor)
        return False

    def release(self) -> None:
        if self._descriptor is not None:
            with contextlib.suppress(OSError):
                os.close(self._descriptor)
            self._descriptor = None


def _open(path: Path, mode: OpenMode, timeout: float) -> tuple[sqlite3.Connection, int]:
    """Open the database as `mode` allows, migrating it unless read-only, or explain why not;
    returns the connection and the database's schema version."""
    hint = "pass another --state-path, or move this file away if it is not needed"
    if mode is not OpenMode.CREATE and not path.is_file():
        raise PlaybookError.single(
            f"no state database at {path}",
            hint="check --state-path (default: database.path of `playbook config`); "
            "`playbook run` creates the database",
        )
    try:
        if mode is OpenMode.CREATE:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        # mode=rw: SQLite itself never creates the file, even if it vanished meanwhile.
        address = f"{path.absolute().as_uri()}?mode=rw"
        connection = sqlite3.connect(address, uri=True, isolation_level=None, timeout=timeout)
    except OSError as error:
        raise PlaybookError.single(
            f"cannot create the state database {path}: {error.strerror}", hint=hint
        ) from None
    except sqlite3.Error as error:
        raise PlaybookError.single(
            f"cannot open the state database {path}: {error}", hint=hint
        ) from None
    try:
        return connection, _prepare(connection, path, mode)
    except sqlite3.DatabaseError as error:
        connection.close()
        if damaged(type(error), error):
            raise damaged_database_error(path, error) from None
        raise PlaybookError.single(
            f"{path} is not a usable Playbook state database ({error})", hint=hint
        ) from None
    except PlaybookError:
        connection.close()
        raise


def _prepare(connection: sqlite3.Connection, path: Path, mode: OpenMode) -> int:
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    tables = connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
    if application_id != APPLICATION_ID and (tables or application_id):
        raise PlaybookError.single(
            f"{path} is an SQLite database, but not a Playbook state database",
            hint="pass another --state-path; Playbook never overwrites a foreign database",
        )
    if version > SCHEMA_VERSION:
        raise PlaybookError.single(
            f"{path} was written by a newer Playbook (schema {version}, this one reads up to"
            f" {SCHEMA_VERSION})",
            hint="upgrade Playbook to use this database",
        )
    if mode is OpenMode.READ_ONLY:
        # A read-only connection that never writes leaves no WAL behind when it closes. An
        # older schema is read as it is; the next command that writes migrates it.
        connection.execute("PRAGMA query_only = ON")
        if version == 0:
            raise PlaybookError.single(
                f"{path} holds no Playbook runs yet (schema {version})",
                hint="`playbook run` with this --state-path sets it up",
            )
        return int(version)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        connection.execute("BEGIN IMMEDIATE")
        # Another process may have migrated while this one waited for the write lock.
        if connection.execute("PRAGMA user_version").fetchone()[0] >= target:
            connection.execute("COMMIT")
            continue
        try:
            # executescript would commit on its own; statements run inside our transaction.
            for statement in migration(target, SQLITE):
                connection.execute(statement)
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version = {target}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    return SCHEMA_VERSION
