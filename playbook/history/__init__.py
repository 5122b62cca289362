"""Reading run history from the state database: `show`, `info` statistics, reports, overlays.

Everything here reads; nothing writes. `open_history` opens the database read-only, so a
mistyped path creates nothing and an old database is read as it is, never migrated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playbook.history.queries import HistoryQueries
from playbook.runtime.store import OpenMode, StateLocation, open_store


@contextmanager
def open_history(location: StateLocation, timeout: float = 30) -> Iterator[HistoryQueries]:
    """The database as one snapshot: a run that goes on meanwhile cannot make a page of it
    contradict another (its events newer than its attempts, say)."""
    with open_store(location, OpenMode.READ_ONLY, timeout) as store, store.snapshot() as reader:
        yield HistoryQueries(reader, store.schema, lambda run_id: store.owner(run_id) is not None)
