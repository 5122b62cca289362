"""The `--state-path` option every command that touches the state database shares."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from playbook.cli.config import current_settings
from playbook.settings import Settings

# Defaults come from the configuration, which also reads PLAYBOOK_DB_PATH: one precedence
# chain, with the flag on top.
state_path_option = click.option(
    "--state-path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=lambda: current_settings().database.path,
    show_default="database.path of `playbook config`",
    help="The SQLite state database.",
)


def state_path_flag(state_path: Path, settings: Settings) -> str:
    """` --state-path PATH` when PATH is not the configured one, for a command to copy."""
    if state_path.expanduser() == Path(settings.database.path).expanduser():
        return ""
    return f" --state-path {shlex.quote(str(state_path))}"
