"""The SQLite state database: runs, node states, attempts and an append-only event log.

Every transition is one `BEGIN IMMEDIATE` transaction in WAL mode with `synchronous=FULL`, and
is committed before the side effect it allows, so after a crash the database shows exactly
which node was in flight. The file is created private (0600) and a database that is not
Playbook's is refused, never replaced.

Only `run` creates the database (`OpenMode.CREATE`); commands that continue or inspect runs open
an existing one, so a mistyped path is an error instead of a new, empty database. Every text
the store writes passes through its `Redactor`: no secret reaches the file, its WAL or a backup.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playbook.compiler.ir import NodeState, RunStatus
from playbook.diagnostics import PlaybookError
from playbook.runtime.backups import damaged, damaged_database_error, rotate_backups
from playbook.runtime.outcome import AttemptOutcome
from playbook.runtime.ownership import Owner, RunLock, RunOwned, StopRequested
from playbook.runtime.redaction import Redactor

#: "PLBK": marks a database as Playbook's in the SQLite header (PRAGMA application_id).
APPLICATION_ID = 0x504C424B
SCHEMA_VERSION = 3

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE runs (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        title         TEXT NOT NULL,
        runbook_path  TEXT NOT NULL,
        source_sha256 TEXT NOT NULL,
        ir            TEXT NOT NULL,
        variables     TEXT NOT NULL,
        status        TEXT NOT NULL,
        operator      TEXT NOT NULL,
        started_at    TEXT NOT NULL,
        finished_at   TEXT
    );
    CREATE INDEX runs_by_path ON runs (runbook_path, status);
    CREATE TABLE node_states (
        run_id   INTEGER NOT NULL REFERENCES runs (id),
        node_id  TEXT NOT NULL,
        state    TEXT NOT NULL,
        decision TEXT,
        reason   TEXT,
        PRIMARY KEY (run_id, node_id)
    );
    CREATE TABLE attempts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id      INTEGER NOT NULL REFERENCES runs (id),
        node_id     TEXT NOT NULL,
        attempt     INTEGER NOT NULL,
        status      TEXT NOT NULL,
        decision    TEXT,
        exit_code   INTEGER,
        stdout      TEXT,
        stderr      TEXT,
        result      TEXT,
        exception   TEXT,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        duration_s  REAL,
        UNIQUE (run_id, node_id, attempt)
    );
    CREATE TABLE events (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id   INTEGER NOT NULL REFERENCES runs (id),
        node_id  TEXT,
        trigger  TEXT NOT NULL,
        source   TEXT NOT NULL,
        dest     TEXT NOT NULL,
        at       TEXT NOT NULL,
        operator TEXT NOT NULL,
        detail   TEXT
    );
    CREATE INDEX events_by_run ON events (run_id, id);
    """,
    # The title the operator saw (rendered, secrets redacted), and what reading history needs:
    # a workflow's runs newest first, and a run's own events without its nodes' events.
    2: """
    ALTER TABLE runs ADD COLUMN display_title TEXT;
    CREATE INDEX runs_by_title ON runs (title, id);
    CREATE INDEX runs_by_display_title ON runs (display_title, id);
    CREATE INDEX runs_by_file ON runs (runbook_path, id);
    CREATE INDEX run_events ON events (run_id, id) WHERE node_id IS NULL;
    """,
    # Who drives a run (the lock beside the database says whether it still does), and a
    # request from `set-status --force` that its owner stop.
    3: """
    ALTER TABLE runs ADD COLUMN owner_operator TEXT;
    ALTER TABLE runs ADD COLUMN owner_host TEXT;
    ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
    ALTER TABLE runs ADD COLUMN owned_since TEXT;
    ALTER TABLE runs ADD COLUMN stop_requested TEXT;
    """,
}
#: The columns of `RunRecord`, in its order.
RUN_COLUMNS = (
    "id, title, runbook_path, source_sha256, ir, variables, status, operator, started_at,"
    " finished_at, display_title"
)


class OpenMode(enum.Enum):
    """How a command may open the state database."""

    #: `run`: create the file (0600) and its directory when absent.
    CREATE = "create"
    #: `resume`, `set-status`: the database must exist already; it may be written.
    EXISTING = "existing"
    #: `show`, `info`: the database must exist; nothing is written to it, ever.
    READ_ONLY = "read-only"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class RunRecord:
    id: int
    title: str
    runbook_path: str
    source_sha256: str
    ir: str
    variables: dict[str, Any]
    status: str
    operator: str
    started_at: str
    finished_at: str | None
    display_title: str | None = None


@dataclass(frozen=True)
class NodeRecord:
    node_id: str
    state: str
    decision: str | None
    reason: str | None
    attempts: int


class _Json(str):
    """A JSON column's text, already redacted value by value (a plain replace over JSON text
    could cut through its structure)."""


class Store:
    def __init__(
        self,
        path: Path,
        mode: OpenMode = OpenMode.CREATE,
        timeout: float = 30,
        redactor: Redactor | None = None,
    ) -> None:
        self.path = path.expanduser()
        #: A database this Store created holds nothing worth a backup.
        self.created = not self.path.exists()
        self.timeout = timeout
        self.connection = _open(self.path, mode, timeout)
        self.redactor = redactor or Redactor()
        #: The locks of the runs this process owns, and where every run's lock lives.
        self.locks: dict[int, RunLock] = {}
        self.locks_folder = self.path.with_name(self.path.name + ".locks")

    def use_redactor(self, redactor: Redactor) -> None:
        """Redact with the secrets of the run from now on (known once its variables are bound)."""
        self.redactor = redactor

    def close(self) -> None:
        self.connection.close()
        for lock in self.locks.values():
            lock.release()
        self.locks.clear()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: object, trace: object) -> None:
        self.close()
        if kind is not None and damaged(kind, error):
            raise damaged_database_error(self.path, error) from None

    def back_up(self, count: int) -> None:
        """Copy the database to PATH.1, shifting older copies up to PATH.`count` (0600 each)."""
        if not self.created and count >= 1:
            rotate_backups(self.connection, self.path, count, self.locks_folder, self.timeout)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Writer]:
        """One atomic, durable unit of change; every write in it is redacted."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield _Writer(self.connection, self.redactor)
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def _json(self, value: Any) -> _Json:
        return _Json(json.dumps(self.redactor.data(value)))

    # Runs ---------------------------------------------------------------------------------

    def create_run(
        self,
        *,
        title: str,
        runbook_path: str,
        source_sha256: str,
        ir: str,
        variables: dict[str, Any],
        operator: str,
        node_ids: list[str],
        display_title: str | None = None,
    ) -> int:
        """`display_title` is the title as the operator saw it (rendered; redacted here)."""
        stamp = now()
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (title, runbook_path, source_sha256, ir, variables, status,"
                " operator, started_at, display_title) VALUES (?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?)",
                (
                    title,
                    runbook_path,
                    source_sha256,
                    _Json(self.redactor.json_text(ir)),
                    self._json(variables),
                    operator,
                    stamp,
                    display_title,
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO node_states (run_id, node_id, state) VALUES (?, ?, 'pending')",
                [(run_id, node_id) for node_id in node_ids],
            )
            _event(db, run_id, None, "create", "none", RunStatus.RUNNING, operator, None, stamp)
        return run_id

    def set_run_status(
        self,
        run_id: int,
        trigger: str,
        source: str,
        dest: str,
        operator: str,
        detail: str | None = None,
        variables: dict[str, Any] | None = None,
    ) -> None:
        stamp = now()
        finished = None if dest == RunStatus.RUNNING else stamp
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?",
                (dest, finished, run_id),
            )
            if variables is not None:
                db.execute(
                    "UPDATE runs SET variables = ? WHERE id = ?", (self._json(variables), run_id)
                )
            _event(db, run_id, None, trigger, source, dest, operator, detail, stamp)

    # Ownership ----------------------------------------------------------------------------

    def claim(self, run_id: int, owner: Owner) -> None:
        """Become the run's one owner until `close`, or raise `RunOwned` naming the one alive."""
        lock = RunLock(self.locks_folder, run_id)
        if not lock.acquire():
            raise RunOwned(self.owner(run_id))
        self.locks[run_id] = lock
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET owner_operator = ?, owner_host = ?, owner_pid = ?,"
                " owned_since = ?, stop_requested = NULL WHERE id = ?",
                (owner.operator, owner.host, owner.pid, owner.since, run_id),
            )

    def owner(self, run_id: int) -> Owner | None:
        """The process driving the run now, or None when no live process does."""
        if run_id not in self.locks and not RunLock(self.locks_folder, run_id).is_held_elsewhere():
            return None
        row = self.connection.execute(
            "SELECT owner_operator, owner_host, owner_pid, owned_since FROM runs WHERE id = ?",
            (run_id,),
        ).fetchone()
        return Owner(*row) if row and row[0] is not None else Owner("someone", "?", 0, "?")

    def request_stop(self, run_id: int, by: str) -> None:
        """Ask the run's owner to stop before it starts its next attempt."""
        with self.transaction() as db:
            db.execute("UPDATE runs SET stop_requested = ? WHERE id = ?", (by, run_id))

    def run(self, run_id: int) -> RunRecord | None:
        row = self.connection.execute(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        return _run_record(row) if row else None

    def runs_of(self, runbook_path: str, statuses: tuple[str, ...]) -> Iterator[RunRecord]:
        """The runs of one runbook file in these statuses, newest first."""
        marks = ", ".join("?" * len(statuses))
        cursor = self.connection.execute(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE runbook_path = ? AND status IN ({marks})"
            " ORDER BY id DESC",
            (runbook_path, *statuses),
        )
        return (_run_record(row) for row in cursor)

    # Nodes --------------------------------------------------------------------------------

    def nodes(self, run_id: int) -> dict[str, NodeRecord]:
        rows = self.connection.execute(
            "SELECT s.node_id, s.state, s.decision, s.reason,"
            " (SELECT COUNT(*) FROM attempts a WHERE a.run_id = s.run_id AND a.node_id = s.node_id)"
            " FROM node_states s WHERE s.run_id = ?",
            (run_id,),
        ).fetchall()
        return {row[0]: NodeRecord(*row) for row in rows}

    def ensure_nodes(self, run_id: int, node_ids: list[str]) -> None:
        """Nodes added to a runbook since the run started begin as pending."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO node_states (run_id, node_id, state) VALUES (?, ?, 'pending')",
                [(run_id, node_id) for node_id in node_ids],
            )

    def summary(self, run_id: int) -> list[tuple[str, str, int, float, str]]:
        """(node, state, attempts, total duration, decision) per node, in declaration order."""
        return self.connection.execute(
            "SELECT s.node_id, s.state, COUNT(a.id), COALESCE(SUM(a.duration_s), 0),"
            " COALESCE(s.decision, '') FROM node_states s"
            " LEFT JOIN attempts a ON a.run_id = s.run_id AND a.node_id = s.node_id"
            " WHERE s.run_id = ? GROUP BY s.node_id ORDER BY s.rowid",
            (run_id,),
        ).fetchall()

    def attempts(self, run_id: int) -> list[dict[str, Any]]:
        cursor = self.connection.execute(
            "SELECT * FROM attempts WHERE run_id = ? ORDER BY id", (run_id,)
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def record_transition(
        self,
        run_id: int,
        node_id: str,
        trigger: str,
        source: str,
        dest: str,
        operator: str,
        *,
        attempt: int | None = None,
        outcome: AttemptOutcome | None = None,
        decision: str | None = None,
        reason: str | None = None,
    ) -> None:
        """A node's transition, in one transaction with what it changes: the operator's
        `decision` on the latest attempt, and the attempt row it starts or ends."""
        stamp = now()
        with self.transaction() as db:
            if source == dest:
                # An answer to a failure: the failure and its reason stand.
                db.execute(
                    "UPDATE node_states SET decision = ? WHERE run_id = ? AND node_id = ?",
                    (decision, run_id, node_id),
                )
            elif dest == NodeState.RUNNING:
                # New work starts only while nobody asked the run to stop (`set-status --force`):
                # the request is read by the very statement that records the start.
                changed = db.execute(
                    "UPDATE node_states SET state = ?, decision = ?, reason = ?"
                    " WHERE run_id = ? AND node_id = ?"
                    " AND (SELECT stop_requested FROM runs WHERE id = ?) IS NULL",
                    (dest, decision, reason, run_id, node_id, run_id),
                )
                if changed.rowcount == 0:
                    raise StopRequested(self._stop_requester(run_id))
            else:
                db.execute(
                    "UPDATE node_states SET state = ?, decision = ?, reason = ?"
                    " WHERE run_id = ? AND node_id = ?",
                    (dest, decision, reason, run_id, node_id),
                )
            if decision is not None:
                db.execute(
                    "UPDATE attempts SET decision = ? WHERE run_id = ? AND node_id = ? AND attempt ="
                    " (SELECT MAX(attempt) FROM attempts WHERE run_id = ? AND node_id = ?)",
                    (decision, run_id, node_id, run_id, node_id),
                )
            if attempt is not None and dest == NodeState.RUNNING:
                db.execute(
                    "INSERT INTO attempts (run_id, node_id, attempt, status, started_at)"
                    " VALUES (?, ?, ?, 'running', ?)",
                    (run_id, node_id, attempt, stamp),
                )
            elif attempt is not None and outcome is not None:
                db.execute(
                    "UPDATE attempts SET status = ?, exit_code = ?, stdout = ?, stderr = ?,"
                    " result = ?, exception = ?, finished_at = ?, duration_s = ?"
                    " WHERE run_id = ? AND node_id = ? AND attempt = ?",
                    (
                        outcome.status,
                        outcome.exit_code,
                        outcome.stdout,
                        outcome.stderr,
                        outcome.result,
                        outcome.exception,
                        stamp,
                        outcome.duration_s,
                        run_id,
                        node_id,
                        attempt,
                    ),
                )
            _event(db, run_id, node_id, trigger, source, dest, operator, reason or decision, stamp)

    def _stop_requester(self, run_id: int) -> str:
        row = self.connection.execute(
            "SELECT stop_requested FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        return str(row[0]) if row and row[0] else "someone"

    def events(self, run_id: int) -> list[dict[str, Any]]:
        cursor = self.connection.execute(
            "SELECT * FROM events WHERE run_id = ? ORDER BY id", (run_id,)
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class _Writer:
    """The connection as a transaction sees it: every text parameter is redacted on its way in,
    whichever column it is written to."""

    def __init__(self, connection: sqlite3.Connection, redactor: Redactor) -> None:
        self.connection = connection
        self.redactor = redactor

    def _clean(self, params: Iterable[Any]) -> Iterable[Any]:
        if not self.redactor:  # no secret in this run: nothing to replace, at the cost of a test
            return params
        return tuple(
            self.redactor(value)
            if isinstance(value, str) and not isinstance(value, _Json)
            else value
            for value in params
        )

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, self._clean(params))

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> sqlite3.Cursor:
        return self.connection.executemany(sql, (self._clean(row) for row in rows))


def _event(
    db: _Writer,
    run_id: int,
    node_id: str | None,
    trigger: str,
    source: str,
    dest: str,
    operator: str,
    detail: str | None,
    stamp: str,
) -> None:
    db.execute(
        "INSERT INTO events (run_id, node_id, trigger, source, dest, at, operator, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, node_id, trigger, source, dest, stamp, operator, detail),
    )


def _run_record(row: tuple[Any, ...]) -> RunRecord:
    values = list(row)
    values[5] = json.loads(values[5])
    return RunRecord(*values)


def _open(path: Path, mode: OpenMode, timeout: float) -> sqlite3.Connection:
    """Open the database as `mode` allows, migrating it unless read-only, or explain why not."""
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
        _prepare(connection, path, mode)
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
    return connection


def _prepare(connection: sqlite3.Connection, path: Path, mode: OpenMode) -> None:
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
        return
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
            for statement in _MIGRATIONS[target].split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version = {target}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
