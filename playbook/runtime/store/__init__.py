"""The run store: runs, node states, attempts and an append-only event log, in SQLite or
PostgreSQL.

`Store` names everything the interpreter, the commands and history ask of the state, and
`open_store` is the one place that picks the database behind it: an SQLite file (the default)
or a PostgreSQL database named by a URL, for a team that shares its runs. Both keep the same
promises: every transition is one transaction, committed before the work it allows; every text
written is redacted first; a run has one owner at a time, and a run whose owner is gone is
orphaned; the schema is migrated once, by the first command that writes.

The PostgreSQL driver is imported only when a PostgreSQL URL is opened.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from playbook.runtime.store.locations import PostgresUrl, SQLiteFile, StateLocation
from playbook.runtime.store.records import NodeRecord, OpenMode, RunRecord, now

if TYPE_CHECKING:
    from playbook.redaction import Redactor
    from playbook.runtime.outcome import AttemptOutcome
    from playbook.runtime.ownership import Owner

__all__ = [
    "NodeRecord",
    "OpenMode",
    "PostgresUrl",
    "Reader",
    "RunRecord",
    "SQLiteFile",
    "StateLocation",
    "Store",
    "now",
    "open_store",
]


class Reader(Protocol):
    """One consistent snapshot of the state, for reading history; it cannot write."""

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query written with `?` parameters."""
        ...

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of a query as they come, for results too large to hold at once."""
        ...

    def table(self, name: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """One of the state's tables: its columns as this database has them, and its rows in
        the order they were written."""
        ...


class Store(Protocol):
    """The state of every run, as the interpreter, the commands and history use it."""

    location: StateLocation
    #: Seconds to wait for another process's lock.
    timeout: float
    #: The schema version of the database as opened (older when read, never migrated).
    schema: int

    def __enter__(self) -> Store: ...

    def __exit__(self, kind: type[BaseException] | None, error: object, trace: object) -> None:
        """Close; a failure of the database itself becomes one clear error."""
        ...

    def close(self) -> None: ...

    def use_redactor(self, redactor: Redactor) -> None:
        """Redact with the secrets of the run from now on (known once its variables are bound)."""
        ...

    def back_up(self, count: int) -> None:
        """Keep `count` copies of the state as it was before this command writes to it."""
        ...

    # Runs

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
    ) -> int: ...

    def set_run_status(
        self,
        run_id: int,
        trigger: str,
        source: str,
        dest: str,
        operator: str,
        detail: str | None = None,
        variables: dict[str, Any] | None = None,
    ) -> None: ...

    def run(self, run_id: int) -> RunRecord | None: ...

    def runs_of(self, runbook_path: str, statuses: tuple[str, ...]) -> Iterator[RunRecord]:
        """The runs of one runbook file in these statuses, newest first."""
        ...

    # Ownership

    def claim(self, run_id: int, owner: Owner) -> None:
        """Become the run's one owner until `close`, or raise `RunOwned` naming the one alive."""
        ...

    def owner(self, run_id: int) -> Owner | None:
        """The process driving the run now, or None when no live process does."""
        ...

    def request_stop(self, run_id: int, by: str) -> None:
        """Ask the run's owner to stop before it starts its next attempt."""
        ...

    # Nodes

    def nodes(self, run_id: int) -> dict[str, NodeRecord]: ...

    def ensure_nodes(self, run_id: int, node_ids: list[str]) -> None:
        """Nodes added to a runbook since the run started begin as pending."""
        ...

    def summary(self, run_id: int) -> list[tuple[str, str, int, float, str]]:
        """(node, state, attempts, total duration, decision) per node, in the order recorded."""
        ...

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
        """A node's transition, in one transaction with the attempt it starts or ends; a start
        is refused with `StopRequested` once the run was asked to stop."""
        ...

    def attempts(self, run_id: int) -> list[dict[str, Any]]:
        """Every attempt of the run, oldest first, by column name."""
        ...

    def events(self, run_id: int) -> list[dict[str, Any]]:
        """Every transition of the run, oldest first, by column name."""
        ...

    # Reading and moving the whole state

    def snapshot(self) -> AbstractContextManager[Reader]: ...

    def load(self, columns: dict[str, list[str]], rows: Iterator[tuple[str, list[Any]]]) -> int:
        """Write a copy of another store's rows (ids kept) into this empty one, in one
        transaction; returns the number of rows."""
        ...


def open_store(
    location: StateLocation,
    mode: OpenMode,
    timeout: float = 30,
    redactor: Redactor | None = None,
) -> Store:
    """The store at `location`, opened as `mode` allows (migrated unless read-only)."""
    if isinstance(location, PostgresUrl):
        from playbook.runtime.store.postgres import PostgresStore

        return PostgresStore(location, mode, timeout, redactor)
    from playbook.runtime.store.sqlite import SQLiteStore

    return SQLiteStore(location, mode, timeout, redactor)
