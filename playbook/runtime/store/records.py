"""What the store hands back, whichever database holds the state: plain records and times."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any


class OpenMode(enum.Enum):
    """How a command may open the state database."""

    #: `run`: create the SQLite file (0600) and its folder when absent.
    CREATE = "create"
    #: `resume`, `set-status`: the database must exist already; it may be written.
    EXISTING = "existing"
    #: `show`, `info`: the database must exist; nothing is written to it, ever.
    READ_ONLY = "read-only"


def now() -> str:
    """A time as every store keeps it: ISO 8601 text in UTC, to the microsecond."""
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


class RowRejected(Exception):
    """A copied row the database would not store (a missing value, a duplicate id)."""

    def __init__(self, index: int, table: str, reason: str) -> None:
        super().__init__(reason)
        #: The row's position among those copied, from 0.
        self.index = index
        self.table = table


@dataclass(frozen=True)
class NodeRecord:
    node_id: str
    state: str
    decision: str | None
    reason: str | None
    attempts: int
