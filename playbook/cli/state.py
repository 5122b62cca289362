"""The `--state-path` option every command that touches the state database shares."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from playbook.cli.config import current_settings
from playbook.settings import Settings

_STATE_PATH = click.Path(path_type=Path, dir_okay=False)
_FROM_CONFIG = "database.path of `playbook config`"

# Defaults come from the configuration, which also reads PLAYBOOK_DB_PATH: one precedence
# chain, with the flag on top.
state_path_option = click.option(
    "--state-path",
    type=_STATE_PATH,
    default=lambda: current_settings().database.path,
    show_default=_FROM_CONFIG,
    help="The SQLite state database.",
)
#: For a command that reads the database only when asked to (`view-dag --run`): its default
#: is looked up then, so that without it the configuration is not read at all.
optional_state_path_option = click.option(
    "--state-path",
    type=_STATE_PATH,
    help=f"The SQLite state database (default: {_FROM_CONFIG}).",
)


def configured_state_path(state_path: Path | None) -> Path:
    return state_path if state_path is not None else Path(current_settings().database.path)


def state_path_flag(state_path: Path, settings: Settings) -> str:
    """` --state-path PATH` when PATH is not the configured one, for a command to copy."""
    if state_path.expanduser() == Path(settings.database.path).expanduser():
        return ""
    return f" --state-path {shlex.quote(str(state_path))}"
