"""The state database a test runs against — an SQLite file or a PostgreSQL database — and how
the test reads it behind Playbook's back, with the same SQL (`?` parameters) for both.

A test marked `both_backends` (or every test of a module marked so) that uses the `backend`
fixture — through `ws`, `state_database` or the history tests' `drill` — runs once per
backend, all of a module's SQLite tests before its PostgreSQL ones.
"""

from __future__ import annotations

import io
import sqlite3
from abc import ABC, abstractmethod
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from playbook.runtime.store import OpenMode, PostgresUrl, SQLiteFile, StateLocation, open_store
from playbook.runtime.store.transfer import export_state, import_state, read_header

BACKENDS = ("sqlite", "postgresql")
both_backends = pytest.mark.both_backends


class Row(dict[str, Any]):
    """A row read by column name, or by position as in SQL's column order."""

    def __getitem__(self, key: str | int) -> Any:
        if isinstance(key, int):
            return list(self.values())[key]
        return super().__getitem__(key)


class StateDatabase(ABC):
    location: StateLocation

    @property
    def flags(self) -> list[str]:
        """The command-line option that points a command at this database."""
        return list(self.location.flags())

    @property
    def shown(self) -> str:
        """How Playbook names this database in its messages."""
        return str(self.location)

    @abstractmethod
    def rows(self, sql: str, *params: Any) -> list[Row]: ...

    @abstractmethod
    def execute(self, sql: str, *params: Any) -> None:
        """Change the database behind Playbook's back (pinning times, recording a request)."""


class SQLiteDatabase(StateDatabase):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = SQLiteFile(path)

    def rows(self, sql: str, *params: Any) -> list[Row]:
        with closing(sqlite3.connect(self.path)) as connection:
            cursor = connection.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [Row(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def execute(self, sql: str, *params: Any) -> None:
        with closing(sqlite3.connect(self.path)) as connection, connection:
            connection.execute(sql, params)


class PostgresDatabase(StateDatabase):
    def __init__(self, url: str) -> None:
        self.url = url
        self.location = PostgresUrl(url)

    def rows(self, sql: str, *params: Any) -> list[Row]:
        import psycopg

        with psycopg.connect(self.url) as connection:
            cursor = connection.execute(sql.replace("?", "%s"), params)
            names = [column.name for column in cursor.description or []]
            return [Row(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def execute(self, sql: str, *params: Any) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(sql.replace("?", "%s"), params)


def copy_state(source: StateDatabase, target: StateDatabase) -> None:
    """Every run of `source` into the empty `target`, as `playbook state` copies them."""
    text = io.StringIO()
    with open_store(source.location, OpenMode.READ_ONLY) as store:
        export_state(store, text)
    text.seek(0)
    header = read_header(text, "copy")
    with open_store(target.location, OpenMode.CREATE) as store:
        import_state(store, header, text, "copy")
