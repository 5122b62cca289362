"""A whole state as one file, to move a team's history between SQLite and PostgreSQL.

The file is JSON Lines: a header naming the format, the schema and each table's columns, then
one `[table, [values…]]` line per row: runs by id, node states in the order they were written,
attempts and events by id. Every value is kept as it is stored — ids, times as text, JSON
columns as their text, durations as floats — so exporting a state, importing it elsewhere and
exporting it again gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from playbook.diagnostics import PlaybookError
from playbook.runtime.store import Store
from playbook.runtime.store.records import RowRejected
from playbook.runtime.store.schema import SCHEMA_VERSION, TABLES

FORMAT = "playbook-state"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Copied:
    """What a copy held."""

    runs: int
    rows: int

    def describe(self) -> str:
        return f"{self.runs} run{'s' if self.runs != 1 else ''} ({self.rows} rows)"


def export_state(store: Store, target: IO[str]) -> Copied:
    """Write every row of `store`, as one consistent snapshot, to `target`."""
    runs = rows = 0
    with store.snapshot() as reader:
        tables = {name: reader.table(name) for name in TABLES}
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "schema": store.schema,
            "tables": {name: columns for name, (columns, _) in tables.items()},
        }
        target.write(_line(header))
        for name, (_, values) in tables.items():
            for row in values:
                target.write(_line([name, list(row)]))
                rows += 1
                runs += name == "runs"
    return Copied(runs, rows)


def read_header(source: IO[str], name: str) -> dict[str, Any]:
    """The header of an export (`name` in messages), checked before anything is written."""
    return _header(source.readline(), name)


def import_state(store: Store, header: dict[str, Any], source: IO[str], name: str) -> Copied:
    """Write the rows that follow an export's header into `store`, which must be empty."""
    counted = {"runs": 0}

    def rows() -> Iterator[tuple[str, list[Any]]]:
        for number, line in enumerate(source, start=2):
            try:
                table, values = json.loads(line)
            except (ValueError, TypeError):
                table, values = None, None
            if not isinstance(table, str) or not isinstance(values, list):
                raise PlaybookError.single(
                    f"{name}:{number}: not a row of a Playbook state export",
                    hint="export the state again; the file may have been cut or edited",
                )
            counted["runs"] += table == "runs"
            yield table, values

    try:
        total = store.load(header["tables"], rows())
    except RowRejected as rejected:
        raise PlaybookError.single(
            f"{name}:{rejected.index + 2}: a row of {rejected.table} that cannot be stored"
            f" ({rejected})",
            hint="export the state again; the file may have been cut or edited",
        ) from None
    return Copied(counted["runs"], total)


def _header(line: str, name: str) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if (
        not isinstance(header, dict)
        or header.get("format") != FORMAT
        or not _columns(header)
        or not isinstance(header.get("schema", 0), int)
    ):
        raise PlaybookError.single(
            f"{name} is not a Playbook state export",
            hint="`playbook state export FILE` writes one",
        )
    if header.get("version") != FORMAT_VERSION or header.get("schema", 0) > SCHEMA_VERSION:
        raise PlaybookError.single(
            f"{name} was written by a newer Playbook (format {header.get('version')}, schema"
            f" {header.get('schema')}; this one reads format {FORMAT_VERSION}, schema up to"
            f" {SCHEMA_VERSION})",
            hint="import it with that Playbook, or a newer one",
        )
    return header


def _columns(header: dict[str, Any]) -> bool:
    """Whether the header names each table's columns."""
    tables = header.get("tables")
    return isinstance(tables, dict) and all(
        isinstance(columns, list) and all(isinstance(column, str) for column in columns)
        for columns in tables.values()
    )


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"
