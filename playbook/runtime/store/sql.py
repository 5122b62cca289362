"""What both stores share: every statement that reads or writes runs, their redaction, and the
shape of ownership. A subclass supplies the connection, its dialect, and the lock that says a
run's owner is alive.

Statements are written once, with `?` parameters; a dialect that marks them otherwise gets them
translated once per statement.
"""

from __future__ import annotations

import contextlib
import functools
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from playbook.compiler.ir import NodeState, RunStatus
from playbook.diagnostics import PlaybookError
from playbook.redaction import Redactor
from playbook.runtime.outcome import AttemptOutcome
from playbook.runtime.ownership import Owner, RunOwned, StopRequested
from playbook.runtime.store.locations import StateLocation
from playbook.runtime.store.records import NodeRecord, RowRejected, RunRecord, now
from playbook.runtime.store.schema import RUN_COLUMNS, TABLES, Dialect


class _Json(str):
    """A JSON column's text, already redacted value by value (a plain replace over JSON text
    could cut through its structure)."""


@functools.lru_cache(maxsize=256)
def _marked(sql: str, placeholder: str) -> str:
    """`sql` with its `?` parameters written as `placeholder` (and a literal % kept as one)."""
    return sql.replace("%", "%%").replace("?", placeholder)


class SqlStore(ABC):
    """The shared half of a store; `SQLiteStore` and `PostgresStore` are the other halves."""

    dialect: Dialect
    #: The driver's errors for a row that does not fit its table.
    row_errors: tuple[type[Exception], ...]

    def __init__(
        self, location: StateLocation, connection: Any, timeout: float, redactor: Redactor | None
    ) -> None:
        self.location = location
        self.connection = connection
        self.timeout = timeout
        self.redactor = redactor or Redactor()
        self.schema = 0
        #: The runs this store's process owns.
        self.owned: set[int] = set()

    # The connection -------------------------------------------------------------------------

    def _sql(self, sql: str) -> str:
        return sql if self.dialect.placeholder == "?" else _marked(sql, self.dialect.placeholder)

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.connection.execute(self._sql(sql), params)

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.connection.cursor().executemany(self._sql(sql), rows)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._execute(sql, params).fetchall())

    @abstractmethod
    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """The rows of a read as they come (within a snapshot)."""

    @abstractmethod
    def _in_transaction(self) -> bool:
        """Whether a transaction is open on the connection (a failed one included)."""

    def _rollback(self) -> None:
        if self._in_transaction():
            self._execute("ROLLBACK")

    def _batch(self) -> contextlib.AbstractContextManager[object]:
        """Where a transaction's statements are sent: one at a time unless a subclass batches
        them (a statement's outcome is then known at `_answered`, or at the end)."""
        return contextlib.nullcontext()

    def _answered(self, cursor: Any) -> int:
        """The rows a statement changed, once the database has answered it."""
        return int(cursor.rowcount)

    def use_redactor(self, redactor: Redactor) -> None:
        self.redactor = redactor

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: object, trace: object) -> None:
        explained = self._explain(error) if isinstance(error, BaseException) else None
        self.close()
        if explained is not None:
            raise explained from None

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _explain(self, error: BaseException) -> PlaybookError | None:
        """One clear error for a failure of the database itself (not of a command's logic)."""

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Writer]:
        """One atomic, durable unit of change; every write in it is redacted."""
        try:
            with self._batch():
                self._execute(self.dialect.begin_write)
                yield Writer(self, self.redactor)
                self._execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[_Reader]:
        """The state as of one moment: a run that goes on meanwhile cannot make one page of
        history contradict another (its events newer than its attempts, say)."""
        self._execute(self.dialect.begin_snapshot)
        try:
            yield _Reader(self)
        finally:
            self._rollback()

    def _json(self, value: Any) -> _Json:
        return _Json(json.dumps(self.redactor.data(value)))

    # Runs -----------------------------------------------------------------------------------

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
                " operator, started_at, display_title) VALUES (?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?)"
                + self.dialect.returning_id,
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
            run_id = int(cursor.fetchone()[0] if self.dialect.returning_id else cursor.lastrowid)
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

    def run(self, run_id: int) -> RunRecord | None:
        rows = self._rows(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
        return _run_record(rows[0]) if rows else None

    def runs_of(self, runbook_path: str, statuses: tuple[str, ...]) -> Iterator[RunRecord]:
        marks = ", ".join("?" * len(statuses))
        rows = self._rows(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE runbook_path = ? AND status IN ({marks})"
            " ORDER BY id DESC",
            (runbook_path, *statuses),
        )
        return (_run_record(row) for row in rows)

    # Ownership ------------------------------------------------------------------------------

    @abstractmethod
    def _lock(self, run_id: int) -> bool:
        """Take the run's lock without waiting; False when a live process holds it."""

    @abstractmethod
    def _locked_elsewhere(self, run_id: int) -> bool:
        """Whether a live process other than this store holds the run's lock."""

    def claim(self, run_id: int, owner: Owner) -> None:
        if not self._lock(run_id):
            raise RunOwned(self._recorded_owner(run_id))
        self.owned.add(run_id)
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET owner_operator = ?, owner_host = ?, owner_pid = ?,"
                " owned_since = ?, stop_requested = NULL WHERE id = ?",
                (owner.operator, owner.host, owner.pid, owner.since, run_id),
            )

    def owner(self, run_id: int) -> Owner | None:
        if run_id not in self.owned and not self._locked_elsewhere(run_id):
            return None
        return self._recorded_owner(run_id)

    def _recorded_owner(self, run_id: int) -> Owner:
        """Who the database says owns the run (the lock alone says whether it still does)."""
        rows = self._rows(
            "SELECT owner_operator, owner_host, owner_pid, owned_since FROM runs WHERE id = ?",
            (run_id,),
        )
        return Owner(*rows[0]) if rows and rows[0][0] is not None else Owner("someone", "?", 0, "?")

    def request_stop(self, run_id: int, by: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET stop_requested = ? WHERE id = ?", (by, run_id))

    # Nodes ----------------------------------------------------------------------------------

    def nodes(self, run_id: int) -> dict[str, NodeRecord]:
        rows = self._rows(
            "SELECT s.node_id, s.state, s.decision, s.reason,"
            " (SELECT COUNT(*) FROM attempts a WHERE a.run_id = s.run_id AND a.node_id = s.node_id)"
            " FROM node_states s WHERE s.run_id = ?",
            (run_id,),
        )
        return {row[0]: NodeRecord(*row) for row in rows}

    def ensure_nodes(self, run_id: int, node_ids: list[str]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO node_states (run_id, node_id, state) VALUES (?, ?, 'pending')"
                " ON CONFLICT DO NOTHING",
                [(run_id, node_id) for node_id in node_ids],
            )

    def summary(self, run_id: int) -> list[tuple[str, str, int, float, str]]:
        attempts = "FROM attempts a WHERE a.run_id = s.run_id AND a.node_id = s.node_id"
        rows = self._rows(
            f"SELECT s.node_id, s.state, (SELECT COUNT(*) {attempts}),"
            f" (SELECT COALESCE(SUM(a.duration_s), 0) {attempts}),"
            " COALESCE(s.decision, '') FROM node_states s WHERE s.run_id = ?"
            f" ORDER BY s.{self.dialect.insertion_order}",
            (run_id,),
        )
        return cast("list[tuple[str, str, int, float, str]]", rows)

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
                if db.answered(changed) == 0:
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

    def attempts(self, run_id: int) -> list[dict[str, Any]]:
        return self._records("SELECT * FROM attempts WHERE run_id = ? ORDER BY id", run_id)

    def events(self, run_id: int) -> list[dict[str, Any]]:
        return self._records("SELECT * FROM events WHERE run_id = ? ORDER BY id", run_id)

    def _records(self, sql: str, run_id: int) -> list[dict[str, Any]]:
        cursor = self._execute(sql, (run_id,))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _stop_requester(self, run_id: int) -> str:
        rows = self._rows("SELECT stop_requested FROM runs WHERE id = ?", (run_id,))
        return str(rows[0][0]) if rows and rows[0][0] else "someone"

    # Moving the whole state -----------------------------------------------------------------

    def load(self, columns: dict[str, list[str]], rows: Iterator[tuple[str, list[Any]]]) -> int:
        known = {table: self._columns(table) for table in TABLES}
        for table, names in columns.items():
            unknown = [name for name in names if name not in known.get(table, [])]
            if table not in known or unknown:
                what = f"column {unknown[0]!r} of table {table!r}" if unknown else repr(table)
                raise PlaybookError.single(
                    f"the copy has a {what} that this Playbook's state does not have",
                    hint="import it with the Playbook version that exported it, or a newer one",
                )
        statements = {
            table: f"INSERT INTO {table} ({', '.join(names)})"
            f" VALUES ({', '.join('?' * len(names))})"
            for table, names in columns.items()
        }
        count = 0
        with self.transaction() as db:
            held = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            if held:
                raise PlaybookError.single(
                    f"{self.location} already holds {held} run{'s' if held != 1 else ''}",
                    hint="import into a new, empty database: runs keep their ids, so two"
                    " histories cannot share one",
                )
            for table, values in rows:
                if table not in statements or len(values) != len(columns[table]):
                    raise PlaybookError.single(
                        f"the copy has a row of {table!r} that its header does not describe",
                        hint="export the state again; the file may have been cut or edited",
                    )
                try:
                    db.answered(db.execute(statements[table], values))
                except self.row_errors as error:
                    raise RowRejected(count, table, str(error).strip().splitlines()[0]) from None
                count += 1
            self._after_load(db)
        return count

    @abstractmethod
    def _after_load(self, db: Writer) -> None:
        """Let the database number new rows after the ones copied in."""

    def _columns(self, table: str) -> list[str]:
        """The columns of one of the state's tables (not the dialect's ordering column)."""
        cursor = self._execute(f"SELECT * FROM {table} WHERE 1 = 0")
        order = self.dialect.insertion_order
        return [column[0] for column in cursor.description if column[0] != order]


class Writer:
    """The connection as a transaction sees it: every text parameter is redacted on its way in,
    whichever column it is written to."""

    def __init__(self, store: SqlStore, redactor: Redactor) -> None:
        self.store = store
        self.redactor = redactor

    def _clean(self, params: Sequence[Any]) -> Sequence[Any]:
        if not self.redactor:  # no secret in this run: nothing to replace, at the cost of a test
            return params
        return tuple(
            self.redactor(value)
            if isinstance(value, str) and not isinstance(value, _Json)
            else value
            for value in params
        )

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.store._execute(sql, self._clean(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.store._executemany(sql, (self._clean(row) for row in rows))

    def answered(self, cursor: Any) -> int:
        """The rows a statement changed, once the database has answered it."""
        return self.store._answered(cursor)


class _Reader:
    """A snapshot's reads; it has no way to write."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._store._rows(sql, params)

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        return self._store._stream(sql, params)

    def table(self, name: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        columns = self._store._columns(name)
        order = "id" if "id" in columns else self._store.dialect.insertion_order
        rows = self._store._stream(f"SELECT {', '.join(columns)} FROM {name} ORDER BY {order}", ())
        return columns, rows


def _event(
    db: Writer,
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


def _run_record(row: Sequence[Any]) -> RunRecord:
    values = list(row)
    values[5] = json.loads(values[5])
    return RunRecord(*values)
