"""Every SQL statement that reads run history, in one place.

The statements are plain SQL that SQLite and PostgreSQL both accept (no SQLite-only functions;
`LIMIT`/`OFFSET` is the one extension, shared by both), read through the store's snapshot, so
either store serves the same queries. Counting and grouping happen in SQL; what SQL cannot say
portably (medians, percentiles, time arithmetic) is left to `playbook.history.statistics`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from playbook.history.status import shown_status
from playbook.runtime.store import Reader

#: The first schema version whose runs record the title the operator saw.
DISPLAY_TITLE_SCHEMA = 2


@dataclass(frozen=True)
class Selection:
    """Which runs a command is about: those of one runbook file, raw title or rendered title."""

    column: str  # "runbook_path", "title" or "display_title"
    value: str

    def includes(self, run: RunRow) -> bool:
        return bool(getattr(run, self.column) == self.value)


@dataclass(frozen=True)
class RunRow:
    id: int
    title: str
    display_title: str | None
    runbook_path: str
    status: str
    operator: str
    started_at: str
    finished_at: str | None

    @property
    def shown_title(self) -> str:
        """The title as the operator saw it; runs recorded before it was stored show the raw one."""
        return self.display_title or self.title


@dataclass(frozen=True)
class EventRow:
    id: int
    run_id: int
    node_id: str | None
    trigger: str
    source: str
    dest: str
    at: str
    operator: str
    detail: str | None


@dataclass(frozen=True)
class NodeStateRow:
    node_id: str
    state: str
    decision: str | None
    reason: str | None


@dataclass(frozen=True)
class AttemptRow:
    node_id: str
    attempt: int
    status: str
    decision: str | None
    exit_code: int | None
    stdout: str | None
    stderr: str | None
    result: str | None
    exception: str | None
    started_at: str
    finished_at: str | None
    duration_s: float | None


@dataclass(frozen=True)
class RunDocument:
    """What a run kept of its runbook: the IR it ran, its variables (no secrets), the source hash."""

    ir: str
    variables: str
    source_sha256: str


@dataclass(frozen=True)
class NodeOutcomeCount:
    """How many runs ended a node in `state` with `decision` after `attempts` attempts."""

    node_id: str
    state: str
    decision: str | None
    attempts: int
    runs: int


#: (node id, seconds) of an attempt whose duration was measured while it ran.
MeasuredAttempt = tuple[str, float]
#: (node id, started at, finished at) of an ended attempt with no measured duration.
UnmeasuredAttempt = tuple[str, str, str]


_RUN_COLUMNS = (
    "r.id, r.title, {display}, r.runbook_path, r.status, r.operator, r.started_at, r.finished_at"
)
_EVENT_COLUMNS = (
    "e.id, e.run_id, e.node_id, e.trigger, e.source, e.dest, e.at, e.operator, e.detail"
)


class HistoryQueries:
    """Reads one state database; `schema` is its version, which may be older than this
    Playbook's: a reader never migrates."""

    def __init__(self, reader: Reader, schema: int, owned: Callable[[int], bool]) -> None:
        self.reader = reader
        self.schema = schema
        #: Whether a live process owns a run (its lock says).
        self.owned = owned
        # A database no command has migrated yet has no display_title column.
        display = "r.display_title" if self.has_display_titles else "NULL"
        self._run_columns = _RUN_COLUMNS.format(display=display)

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.reader.rows(sql, params)

    @staticmethod
    def _where(selection: Selection | None) -> tuple[str, tuple[Any, ...]]:
        if selection is None:
            return "1 = 1", ()
        return f"r.{selection.column} = ?", (selection.value,)

    # Finding a workflow -------------------------------------------------------------------

    def count_runs(self, selection: Selection | None = None) -> int:
        where, params = self._where(selection)
        return int(self._rows(f"SELECT COUNT(*) FROM runs r WHERE {where}", params)[0][0])

    def names(self) -> dict[str, list[str]]:
        """Every distinct title, rendered title and runbook file, for "did you mean"."""
        columns = ["title", "runbook_path"]
        if self.has_display_titles:
            columns.append("display_title")
        return {
            column: [
                row[0]
                for row in self._rows(
                    f"SELECT DISTINCT {column} FROM runs WHERE {column} IS NOT NULL"
                )
            ]
            for column in columns
        }

    @property
    def has_display_titles(self) -> bool:
        return self.schema >= DISPLAY_TITLE_SCHEMA

    # Runs ---------------------------------------------------------------------------------

    def runs(
        self, selection: Selection | None, limit: int | None = None, offset: int = 0
    ) -> list[RunRow]:
        """Runs newest first; `limit` None means all of them."""
        where, params = self._where(selection)
        sql = f"SELECT {self._run_columns} FROM runs r WHERE {where} ORDER BY r.id DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += (limit, offset)
        return [self._run_row(row) for row in self._rows(sql, params)]

    def run(self, run_id: int) -> RunRow | None:
        rows = self._rows(f"SELECT {self._run_columns} FROM runs r WHERE r.id = ?", (run_id,))
        return self._run_row(rows[0]) if rows else None

    def _run_row(self, values: tuple[Any, ...]) -> RunRow:
        """A run with the status history shows (see `status.shown_status`)."""
        row = RunRow(*values)
        owned = row.status != "RUNNING" or self.owned(row.id)
        return replace(row, status=shown_status(row.status, owned))

    def document(self, run_id: int) -> RunDocument:
        ir, variables, sha = self._rows(
            "SELECT ir, variables, source_sha256 FROM runs WHERE id = ?", (run_id,)
        )[0]
        return RunDocument(ir, variables, sha)

    def node_counts(
        self, selection: Selection | None, first_id: int, last_id: int
    ) -> dict[int, dict[str, int]]:
        """Node states counted per run, for the selected runs with ids in [first_id, last_id]."""
        where, params = self._where(selection)
        rows = self._rows(
            "SELECT s.run_id, s.state, COUNT(*) FROM node_states s"
            " JOIN runs r ON r.id = s.run_id"
            f" WHERE {where} AND r.id BETWEEN ? AND ? GROUP BY s.run_id, s.state",
            (*params, first_id, last_id),
        )
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for run_id, state, count in rows:
            counts[run_id][state] = count
        return counts

    def run_events(
        self, selection: Selection | None, first_id: int | None = None, last_id: int | None = None
    ) -> dict[int, list[EventRow]]:
        """The runs' own events (start, resume, end, set-status), per run in order."""
        where, params = self._where(selection)
        if first_id is not None and last_id is not None:
            where += " AND r.id BETWEEN ? AND ?"
            params += (first_id, last_id)
        rows = self._rows(
            f"SELECT {_EVENT_COLUMNS} FROM events e JOIN runs r ON r.id = e.run_id"
            f" WHERE e.node_id IS NULL AND {where} ORDER BY e.run_id, e.id",
            params,
        )
        events: dict[int, list[EventRow]] = defaultdict(list)
        for row in rows:
            events[row[1]].append(EventRow(*row))
        return events

    def time_before(self, run_id: int, event_id: int) -> str | None:
        """When the run recorded its last event before event `event_id`."""
        rows = self._rows(
            "SELECT at FROM events WHERE id = (SELECT MAX(id) FROM events"
            " WHERE run_id = ? AND id < ?)",
            (run_id, event_id),
        )
        return rows[0][0] if rows else None

    # One run ------------------------------------------------------------------------------

    def node_states(self, run_id: int) -> list[NodeStateRow]:
        rows = self._rows(
            "SELECT node_id, state, decision, reason FROM node_states WHERE run_id = ?"
            " ORDER BY node_id",
            (run_id,),
        )
        return [NodeStateRow(*row) for row in rows]

    def attempts(self, run_id: int, node_id: str | None = None) -> list[AttemptRow]:
        sql = (
            "SELECT node_id, attempt, status, decision, exit_code, stdout, stderr, result,"
            " exception, started_at, finished_at, duration_s FROM attempts WHERE run_id = ?"
        )
        params: tuple[Any, ...] = (run_id,)
        if node_id is not None:
            sql += " AND node_id = ?"
            params += (node_id,)
        return [AttemptRow(*row) for row in self._rows(sql + " ORDER BY id", params)]

    def events(self, run_id: int) -> list[EventRow]:
        rows = self._rows(
            f"SELECT {_EVENT_COLUMNS} FROM events e WHERE e.run_id = ? ORDER BY e.id", (run_id,)
        )
        return [EventRow(*row) for row in rows]

    # Statistics ---------------------------------------------------------------------------

    def node_outcomes(self, selection: Selection | None) -> list[NodeOutcomeCount]:
        """Per node: how many runs ended it in each state and decision, after how many attempts."""
        where, params = self._where(selection)
        # A correlated count reads the attempts index in the order node_states is walked; a join
        # grouped per (run, node) would sort every row first.
        rows = self._rows(
            "SELECT node_id, state, decision, attempts, COUNT(*) FROM ("
            " SELECT s.node_id, s.state, s.decision, (SELECT COUNT(*) FROM attempts a"
            "  WHERE a.run_id = s.run_id AND a.node_id = s.node_id) AS attempts"
            f" FROM node_states s JOIN runs r ON r.id = s.run_id WHERE {where}"
            ") per_run GROUP BY node_id, state, decision, attempts",
            params,
        )
        return [NodeOutcomeCount(*row) for row in rows]

    def measured_attempts(self, selection: Selection | None) -> Iterator[MeasuredAttempt]:
        """Every attempt that ended ok or failed with a measured duration, streamed: a large
        history has a row for each. (An interrupted attempt has no honest duration.)"""
        return self._attempts_that_ended(selection, "a.duration_s", "IS NOT NULL")

    def unmeasured_attempts(self, selection: Selection | None) -> Iterator[UnmeasuredAttempt]:
        """Attempts that ended ok or failed with nothing measured: a Manual step's approval."""
        return self._attempts_that_ended(selection, "a.started_at, a.finished_at", "IS NULL")

    def _attempts_that_ended(
        self, selection: Selection | None, columns: str, measured: str
    ) -> Iterator[Any]:
        where, params = self._where(selection)
        return self.reader.stream(
            f"SELECT a.node_id, {columns} FROM attempts a JOIN runs r ON r.id = a.run_id"
            f" WHERE a.status IN ('ok', 'failed') AND a.duration_s {measured}"
            f" AND a.finished_at IS NOT NULL AND {where}",
            params,
        )
