"""`playbook show`: the runs of a workflow, or one run in full, its output and its report."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from playbook.cli.app import RUN_ID
from playbook.cli.config import current_settings
from playbook.cli.state import state_flag, state_option
from playbook.diagnostics import PlaybookError, did_you_mean
from playbook.history import open_history
from playbook.history.clock import now
from playbook.history.documents import document, run_detail_json, run_json
from playbook.history.lookup import Workflow, find_workflow
from playbook.history.queries import HistoryQueries, RunRow
from playbook.history.runs import captured, detail, summaries
from playbook.runtime.store import StateLocation

PAGE_SIZE = 20


@click.command()
@click.argument("workflow", metavar="RUNBOOK_OR_TITLE")
@click.argument("run_id", type=RUN_ID, required=False)
@click.option("--run-id", "run_id_option", type=RUN_ID, help="The same as RUN_ID.")
@click.option(
    "--page", type=click.IntRange(min=1), default=1, help="Which page of runs (1: newest)."
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=PAGE_SIZE,
    show_default=True,
    help="Runs per page.",
)
@click.option("--all", "every_run", is_flag=True, help="List every run on one page.")
@click.option(
    "--output", "output_node", metavar="NODE", help="Print all of NODE's captured output."
)
@click.option(
    "--report",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE.md",
    help="Write the run's postmortem report (Markdown) to FILE.md.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (its shape: docs/history.md).")
@state_option
def show(
    workflow: str,
    run_id: int | None,
    run_id_option: int | None,
    page: int,
    limit: int,
    every_run: bool,
    output_node: str | None,
    report: Path | None,
    as_json: bool,
    state: StateLocation,
) -> None:
    """Show the runs of a workflow, newest first, or run RUN_ID in full.

    RUNBOOK_OR_TITLE is a runbook file, the runbook's title as written, or its title as shown
    during the run. Nothing is written to the state database.
    """
    if run_id is not None and run_id_option is not None and run_id != run_id_option:
        raise click.UsageError("RUN_ID and --run-id name different runs")
    run_id = run_id if run_id is not None else run_id_option
    if run_id is None and (output_node or report):
        raise click.UsageError("--output and --report need a RUN_ID")
    if output_node and (as_json or report):
        raise click.UsageError("--output prints text: use it without --json and --report")
    settings = current_settings()
    with open_history(state, settings.database.timeout) as queries:
        found = find_workflow(queries, workflow, state)
        command = f"playbook show {shlex.quote(workflow)}"
        flag = state_flag(state, settings)
        if run_id is None:
            limit_or_all = None if every_run else limit
            _show_runs(queries, found, state, limit_or_all, page, as_json, command, flag)
            return
        row = _run_of(queries, found, run_id, state)
        if output_node is not None:
            _print_output(queries, run_id, output_node)
            return
        run = detail(queries, row, now())
    if report is not None:
        from playbook.history.report import write_report

        write_report(report, run)
        click.echo(f"wrote {report}")
    elif as_json:
        click.echo(document("run", database=str(state), run=run_detail_json(run)))
    else:
        from playbook.cli.history_tables import print_run
        from playbook.runtime.display import themed_console

        console = themed_console(settings.ui.color_theme)
        print_run(console, run, f"{command} {run_id} --output NODE{flag}", now())


def _show_runs(
    queries: HistoryQueries,
    found: Workflow,
    state: StateLocation,
    limit: int | None,
    page: int,
    as_json: bool,
    command: str,
    flag: str,
) -> None:
    total = queries.count_runs(found.selection)
    offset = (page - 1) * limit if limit else 0
    runs = summaries(queries, found.selection, now(), limit, offset)
    if as_json:
        click.echo(
            document(
                "runs",
                database=str(state),
                workflow={"query": found.argument, "matched_by": found.matched_by},
                page={"number": page if limit else 1, "size": limit, "total": total},
                runs=[run_json(summary) for summary in runs],
            )
        )
        return
    from rich.text import Text

    from playbook.cli.history_tables import runs_table
    from playbook.runtime.display import themed_console

    console = themed_console(current_settings().ui.color_theme)
    if total == 0:
        console.print(f"No runs of {found.argument} in {state} yet.", markup=False)
        return
    if not runs:
        last_page = -(-total // limit) if limit else 1
        console.print(f"Page {page} is past the last page ({last_page}).", markup=False)
        return
    noun = "run" if total == 1 else "runs"
    title = f"Runs of {found.argument!r} ({found.matched_by}): {total:,} {noun}, newest first"
    console.print(Text(title, style="bold"))
    console.print(runs_table(runs))
    hints = []
    if len(runs) < total:
        first = offset + 1
        hints.append(f"runs {first:,} to {first + len(runs) - 1:,} of {total:,}")
        if offset + len(runs) < total:
            hints.append(f"older: {command} --page {page + 1}{flag}")
        hints.append("every run: --all")
    hints.append(f"one run in full: {command} RUN_ID{flag}")
    console.print(Text(" · ".join(hints), style="dim"), soft_wrap=True)


def _run_of(queries: HistoryQueries, found: Workflow, run_id: int, state: StateLocation) -> RunRow:
    """Run `run_id`, which must be a run of the workflow the user named."""
    row = queries.run(run_id)
    if row is None:
        raise PlaybookError.single(
            f"no run {run_id} in {state}",
            hint=f"`playbook show {shlex.quote(found.argument)}` lists its runs",
        )
    if not found.selection.includes(row):
        raise PlaybookError.single(
            f"run {run_id} is a run of {row.shown_title!r} ({row.runbook_path}),"
            f" not of {found.argument!r}",
            hint=f"show it with `playbook show {shlex.quote(row.title)} {run_id}`",
        )
    return row


def _print_output(queries: HistoryQueries, run_id: int, node_id: str) -> None:
    """Every captured stream of every attempt of `node_id`, whole and unstyled."""
    nodes = [state.node_id for state in queries.node_states(run_id)]
    if node_id not in nodes:
        raise PlaybookError.single(
            f"run {run_id} has no node {node_id!r}",
            hint=did_you_mean(node_id, nodes) or f"its nodes: {', '.join(nodes)}",
        )
    printed = False
    for row in queries.attempts(run_id, node_id):
        for stream, text in captured(row):
            click.echo(f"── {node_id} · attempt {row.attempt} · {stream} ──")
            click.echo(text, nl=not text.endswith("\n"))
            printed = True
    if not printed:
        click.echo(f"{node_id} captured no output in run {run_id}")
