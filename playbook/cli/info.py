"""`playbook info`: the installation, and statistics of the workflows that ran."""

from __future__ import annotations

import sys

import click
from rich.table import Table
from rich.text import Text

from playbook import __version__
from playbook.cli.config import current_settings
from playbook.cli.state import state_option
from playbook.history import open_history
from playbook.history.clock import now
from playbook.history.documents import document, node_stats_json, workflow_json
from playbook.history.lookup import find_workflow
from playbook.history.queries import HistoryQueries, RunRow
from playbook.history.runs import active_durations
from playbook.history.statistics import NodeStats, WorkflowStats, node_stats, workflow_stats
from playbook.runtime.store import StateLocation


@click.command()
@click.argument("workflow", required=False, metavar="[RUNBOOK_OR_TITLE]")
@click.option("--plugins", is_flag=True, help="List installed plugins and their functions.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (its shape: docs/history.md).")
@state_option
def info(workflow: str | None, plugins: bool, as_json: bool, state: StateLocation) -> None:
    """Show the installation and statistics of every workflow, or of one with its nodes.

    RUNBOOK_OR_TITLE names a workflow as `playbook show` does. Nothing is written to the state
    database.
    """
    from playbook.plugins import PluginRegistry
    from playbook.runtime.display import themed_console

    settings = current_settings()
    console = themed_console(settings.ui.color_theme)
    registry = PluginRegistry()
    if plugins:
        if as_json or workflow:
            raise click.UsageError("--plugins lists plugins: use it without --json or a workflow")
        from playbook.cli.plugins_table import render_plugins_table

        render_plugins_table(console, registry)
        return
    if workflow is not None:
        with open_history(state, settings.database.timeout) as queries:
            stats, nodes, matched_by = _one_workflow(queries, workflow, state)
        if as_json:
            data = workflow_json(stats) | {"query": workflow, "matched_by": matched_by}
            nodes_json = [node_stats_json(node) for node in nodes]
            click.echo(document("workflow", database=str(state), workflow=data, nodes=nodes_json))
            return
        from playbook.cli.history_tables import NODE_LEGEND, nodes_table, workflow_facts

        console.print(workflow_facts(stats))
        console.print()
        if nodes:
            console.print(nodes_table(nodes))
            console.print(Text(NODE_LEGEND, style="dim"))
        else:
            console.print("No node has run yet.")
        return
    workflows: list[WorkflowStats] = []
    schema = None
    if state.exists():
        with open_history(state, settings.database.timeout) as queries:
            schema = queries.schema
            workflows = _every_workflow(queries)
    if as_json:
        database = state.as_json() | {"exists": schema is not None, "schema": schema}
        click.echo(
            document(
                "info",
                playbook=__version__,
                python=sys.version.split()[0],
                database=database,
                plugins=registry.names(),
                workflows=[workflow_json(stats) for stats in workflows],
            )
        )
        return
    from playbook.cli.history_tables import add_row

    table = Table(show_header=False, box=None)
    add_row(table, "playbook", __version__)
    add_row(table, "python", sys.version.split()[0])
    add_row(table, "state database", str(state))
    if schema is None:
        add_row(table, "runs", "none yet (the database is created by the first run)")
    else:
        add_row(table, "runs", f"{sum(stats.runs for stats in workflows):,}")
    add_row(table, "plugins", ", ".join(registry.names()) or "none")
    console.print(table)
    console.print(Text("`playbook info --plugins` lists their functions.", style="dim"))
    if workflows:
        from playbook.cli.history_tables import workflows_table

        console.print()
        console.print(workflows_table(workflows))
        console.print(
            Text("`playbook info RUNBOOK_OR_TITLE` adds statistics per node.", style="dim")
        )


def _every_workflow(queries: HistoryQueries) -> list[WorkflowStats]:
    """Statistics per runbook title, the most recently run first."""
    runs = queries.runs(None)
    durations = active_durations(queries, None, now())
    by_title: dict[str, list[RunRow]] = {}
    for run in runs:
        by_title.setdefault(run.title, []).append(run)
    return [workflow_stats(title, rows, durations) for title, rows in by_title.items()]


def _one_workflow(
    queries: HistoryQueries, argument: str, state: StateLocation
) -> tuple[WorkflowStats, list[NodeStats], str]:
    found = find_workflow(queries, argument, state)
    runs = queries.runs(found.selection)
    title = runs[0].title if runs else argument
    stats = workflow_stats(title, runs, active_durations(queries, found.selection, now()))
    if not runs:
        return stats, [], found.matched_by
    nodes = node_stats(
        queries.node_outcomes(found.selection),
        queries.measured_attempts(found.selection),
        queries.unmeasured_attempts(found.selection),
        _declared_order(queries, runs[0].id),
    )
    return stats, nodes, found.matched_by


def _declared_order(queries: HistoryQueries, run_id: int) -> list[str]:
    """The nodes of a run's runbook in declaration order (none when its IR is unreadable)."""
    from playbook.compiler.ir import Program
    from playbook.diagnostics import PlaybookError

    try:
        return [node.id for node in Program.loads(queries.document(run_id).ir).nodes]
    except PlaybookError:
        return []
