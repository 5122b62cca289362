"""`--state-path` and `--state-url`: the options every command that touches the state shares.

A command gets one `StateLocation`: the SQLite file of `--state-path`, the PostgreSQL database
of `--state-url`, or, without either, the configured one (`database.url` when set, else
`database.path`; `PLAYBOOK_DB_URL` and `PLAYBOOK_DB_PATH` override them): one precedence
chain, with the flags on top.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from playbook.cli.config import current_settings
from playbook.diagnostics import PlaybookError
from playbook.runtime.store import OpenMode, Store, open_store
from playbook.runtime.store.locations import StateLocation, location_of
from playbook.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

_FROM_CONFIG = "database.url, else database.path, of `playbook config`"


def _state_options(command: F, *, lazy: bool) -> F:
    """Adds both options to `command`, which receives `state`: a location, or with `lazy`
    None when neither option was given (its default is then looked up only when needed)."""

    @functools.wraps(command)
    def with_state(
        *args: Any, state_path: Path | None, state_url: str | None, **kwargs: Any
    ) -> Any:
        if state_path is not None and state_url is not None:
            raise click.UsageError("--state-path and --state-url name two databases: pass one")
        if state_path is None and state_url is None:
            state = None if lazy else configured_location(current_settings())
        else:
            state = location_of(state_path, state_url)
        return command(*args, state=state, **kwargs)

    default = "" if lazy else f" (default: {_FROM_CONFIG})"
    with_state = click.option(
        "--state-url",
        metavar="URL",
        help="A PostgreSQL state database, postgresql://USER@HOST/DATABASE"
        " (the password from PGPASSWORD or ~/.pgpass).",
    )(with_state)
    with_state = click.option(
        "--state-path",
        type=click.Path(path_type=Path, dir_okay=False),
        help=f"The SQLite state database{default}.",
    )(with_state)
    return with_state  # type: ignore[return-value]


def state_option(command: F) -> F:
    """`--state-path` / `--state-url`, passed to the command as `state`."""
    return _state_options(command, lazy=False)


def optional_state_option(command: F) -> F:
    """For a command that reads the state only when asked to (`view-dag --run`): without a
    flag it gets None, so that the configuration is not read unless needed."""
    return _state_options(command, lazy=True)


def open_state(state: StateLocation, mode: OpenMode) -> Store:
    """The state database, waiting for another process's lock as `database.timeout` says."""
    return open_store(state, mode, timeout=current_settings().database.timeout)


def configured_location(settings: Settings) -> StateLocation:
    database = settings.database
    return location_of(Path(database.path), database.url or None, "database.url")


def given_or_configured(state: StateLocation | None) -> StateLocation:
    return state if state is not None else configured_location(current_settings())


def state_flag(state: StateLocation, settings: Settings) -> str:
    """` --state-path PATH` (or ` --state-url URL`) when it is not the configured one, for a
    command to copy. A URL's password is masked: it belongs in PGPASSWORD or ~/.pgpass."""
    try:
        configured = configured_location(settings)
    except PlaybookError:  # a broken database.url names no database: the flag is needed
        configured = None
    if state == configured:
        return ""
    option, value = state.flags()
    return f" {option} {shlex.quote(value)}"
