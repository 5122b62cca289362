"""`playbook info` and `playbook show`: what is installed, and what has run."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from playbook import __version__
from playbook.cli.app import cli
from playbook.cli.config import current_settings
from playbook.cli.execution import open_store, state_path_option
from playbook.cli.plugins_table import render_plugins_table
from playbook.plugins import PluginRegistry
from playbook.runtime.display import status_style, themed_console
from playbook.runtime.store import OpenMode


@cli.command()
@click.option("--plugins", is_flag=True, help="List installed plugins and their functions.")
@state_path_option
def info(plugins: bool, state_path: Path) -> None:
    """Show the installation, the state database and the installed plugins."""
    console = themed_console(current_settings().ui.color_theme)
    registry = PluginRegistry()
    if plugins:
        render_plugins_table(console, registry)
        return
    path = state_path.expanduser()
    table = Table(show_header=False, box=None)
    table.add_row("playbook", __version__)
    table.add_row("python", sys.version.split()[0])
    table.add_row("state database", str(path))
    if path.exists():
        with open_store(path, OpenMode.READ_ONLY) as store:
            counts = store.status_counts()
        runs = ", ".join(f"{n} {status}" for status, n in counts.items()) or "none"
        table.add_row("runs", runs)
    else:
        table.add_row("runs", "none yet (the database is created by the first run)")
    table.add_row("plugins", ", ".join(registry.names()) or "none")
    console.print(table)
    console.print(Text("`playbook info --plugins` lists their functions.", style="dim"))


@cli.command()
@click.argument("title")
@state_path_option
def show(title: str, state_path: Path) -> None:
    """Show the runs of the runbook titled TITLE, newest first."""
    console = themed_console(current_settings().ui.color_theme)
    path = state_path.expanduser()
    runs = []
    if path.exists():
        with open_store(path, OpenMode.READ_ONLY) as store:
            runs = store.runs_titled(title)
    if not runs:
        console.print(f"No runs of {title!r} in {path}.", markup=False)
        return
    table = Table(title=title, title_justify="left")
    for column in ("run", "status", "started", "finished", "operator", "nodes"):
        table.add_column(column)
    for run, counts in runs:
        nodes = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        table.add_row(
            str(run.id),
            Text(run.status, style=status_style(run.status)),
            run.started_at[:19].replace("T", " "),
            (run.finished_at or "")[:19].replace("T", " "),
            run.operator,
            nodes,
        )
    console.print(table)
