"""`playbook state export` and `import`: a whole state as one file, to move between databases.

playbook state export runs.jsonl --state-path ~/.config/playbook/run.db
playbook state import runs.jsonl --state-url postgresql://ops@db.internal/playbook
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import click

from playbook.cli.state import open_state, state_option
from playbook.diagnostics import PlaybookError, cannot_write
from playbook.runtime.store import OpenMode, StateLocation
from playbook.runtime.store.transfer import export_state, import_state, read_header

_FILE = click.Path(path_type=Path, dir_okay=False, allow_dash=True)


@click.group("state")
def state_group() -> None:
    """Copy the whole state database to a file, or from one (SQLite ↔ PostgreSQL)."""


@state_group.command("export")
@click.argument("file", type=_FILE)
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@state_option
def export_command(file: Path, force: bool, state: StateLocation) -> None:
    """Write every run of the state database to FILE ('-': standard output).

    The copy is one consistent snapshot; the database is only read.
    """
    with open_state(state, OpenMode.READ_ONLY) as store, _written(file, force) as target:
        copied = export_state(store, target)
    click.echo(f"exported {copied.describe()} from {state} to {file}", err=str(file) == "-")


@state_group.command("import")
@click.argument("file", type=_FILE)
@state_option
def import_command(file: Path, state: StateLocation) -> None:
    """Copy the runs of FILE (written by `playbook state export`) into an empty state database,
    ids and times kept ('-': standard input). An SQLite file is created if needed."""
    try:
        with _read(file) as source:
            header = read_header(source, str(file))
            with open_state(state, OpenMode.CREATE) as store:
                copied = import_state(store, header, source, str(file))
    except UnicodeDecodeError:
        raise PlaybookError.single(
            f"{file} is not a Playbook state export (it is not UTF-8 text)",
            hint="`playbook state export FILE` writes one",
        ) from None
    click.echo(f"imported {copied.describe()} from {file} into {state}")


@contextlib.contextmanager
def _written(file: Path, force: bool) -> Iterator[IO[str]]:
    """FILE written whole or not at all: a private temporary file renamed into place."""
    if str(file) == "-":
        yield sys.stdout
        return
    if file.exists() and not force:
        raise PlaybookError.single(f"{file} already exists", hint="pass --force to replace it")
    temporary = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8", newline="\n") as target:
            yield target
        temporary.replace(file)
    except OSError as error:
        raise cannot_write(file, error) from None
    finally:
        temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def _read(file: Path) -> Iterator[IO[str]]:
    if str(file) == "-":
        yield sys.stdin
        return
    try:
        source = open(file, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as error:
        raise PlaybookError.single(
            f"cannot read {file}: {error.strerror}",
            hint="check the path; `playbook state export FILE` writes one",
        ) from None
    with source:
        yield source
