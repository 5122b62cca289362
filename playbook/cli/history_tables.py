"""Run history on the terminal: runs, one run in full, and statistics, as rich tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from playbook.conversion import convert
from playbook.history import formatting as fmt
from playbook.history.clock import attempt_seconds, elapsed, parse_time
from playbook.history.runs import AttemptView, RunDetail, RunSummary, Step, captured
from playbook.history.statistics import NodeStats, WorkflowStats
from playbook.history.status import RUN_STATUSES, UNFINISHED_STATES
from playbook.runtime.display import status_style

#: Lines of each captured stream shown under a run; `--output NODE` shows all of them.
FOLDED_LINES = 6


def status_text(status: str) -> Text:
    return Text(status, style=status_style(status))


def status_counts(counts: dict[str, int], order: Iterable[str]) -> Text:
    """`3 OK · 1 NOK`, each count coloured by its status, known statuses first."""
    known = list(order)
    names = [name for name in known if counts.get(name)]
    names += sorted(name for name in counts if name not in known and counts[name])
    text = Text()
    for index, name in enumerate(names):
        if index:
            text.append(" · ", style="dim")
        text.append(f"{counts[name]} {name}", style=status_style(name))
    return text


def _history(summary: RunSummary) -> str:
    """`run`, `run, resume x2`, `run, set-status`: what was done to the run."""
    parts: list[tuple[str, int]] = []
    for action in summary.actions:
        if parts and parts[-1][0] == action:
            parts[-1] = (action, parts[-1][1] + 1)
        else:
            parts.append((action, 1))
    return ", ".join(name if n == 1 else f"{name} x{n}" for name, n in parts)


def _duration(summary: RunSummary) -> str:
    running = any(session.ended_at is None for session in summary.sessions)
    return fmt.duration(summary.duration_s) + (" …" if running else "")


#: The node counts of a runs table: a column each, `left` for nodes not finished.
NODE_COUNT_COLUMNS = {"ok": "ok", "failed": "fail", "skipped": "skip", "pending": "left"}


def runs_table(summaries: list[RunSummary]) -> Table:
    table = _table(None)
    for column in ("run", "started", "took", "status"):
        table.add_column(column, no_wrap=True, justify="right" if column == "run" else "left")
    table.add_column("operator", overflow="fold", min_width=9)
    table.add_column("how")
    for header in NODE_COUNT_COLUMNS.values():
        table.add_column(header, justify="right", no_wrap=True)
    for summary in summaries:
        counts = {state: summary.nodes.get(state, 0) for state in ("ok", "failed", "skipped")}
        counts["pending"] = sum(summary.nodes.get(state, 0) for state in UNFINISHED_STATES)
        add_row(
            table,
            str(summary.id),
            fmt.timestamp(summary.row.started_at)[:16],
            _duration(summary),
            status_text(summary.status),
            _operators(summary),
            _history(summary),
            *(_count(n, state) for state, n in counts.items()),
        )
    return table


def _operators(summary: RunSummary) -> str:
    """`alice`, or `alice +2` when others resumed it (`show … RUN_ID` names them)."""
    first, *others = summary.operators or (summary.row.operator,)
    return f"{first} +{len(others)}" if others else first


def _count(n: int, status: str) -> Text:
    """A count coloured by its status, or a dim 0."""
    return Text(str(n), style=status_style(status) if n else "dim")


def add_row(table: Table, *cells: str | Text) -> None:
    """A row shown as it is: titles, paths and errors may hold `[brackets]`, never markup."""
    table.add_row(*(Text(cell) if isinstance(cell, str) else cell for cell in cells))


def _table(title: str | None) -> Table:
    """A table that fits 80 columns: no vertical rules, a rule under the header."""
    return Table(
        title=Text(title, style="bold") if title else None,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 0),
        pad_edge=False,
    )


# One run ----------------------------------------------------------------------------------


def print_run(console: Console, detail: RunDetail, output_hint: str, now: dt.datetime) -> None:
    summary = detail.summary
    row = summary.row
    console.rule(Text(row.shown_title, style="bold"))
    facts = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    facts.add_column(style="bold")
    facts.add_column()
    add_row(facts, "run", f"{row.id} of {row.title!r}")
    add_row(facts, "runbook", row.runbook_path)
    ended = summary.ending
    outcome = status_text(summary.status)
    if ended is not None and ended.detail:
        outcome.append(f"  {ended.detail}", style="")
    add_row(facts, "status", outcome)
    add_row(facts, "started", f"{fmt.timestamp(row.started_at)} by {row.operator}")
    if row.finished_at:
        add_row(facts, "finished", fmt.timestamp(row.finished_at))
    add_row(facts, "duration", f"{_duration(summary)} active · {_sessions(summary)}")
    add_row(facts, "times", fmt.zone())
    variables = " · ".join(
        f"{name} = {convert(value, 'string')}" for name, value in detail.variables.items()
    )
    add_row(facts, "variables", Text(variables or "-"))
    console.print(facts)
    console.print()
    console.print(_steps_table(detail.steps, now))
    outputs = list(_outputs(detail.steps))
    if outputs:
        console.print()
        console.print(Text("Output", style="bold"))
        console.print(
            Text(f"The last {FOLDED_LINES} lines of each; all of them: {output_hint}", style="dim"),
            soft_wrap=True,
        )
        for block in outputs:
            console.print(block)
    console.print()
    console.print(_timeline(detail))


def _sessions(summary: RunSummary) -> str:
    return ", ".join(
        f"{session.how} by {session.operator}" + ("" if session.ended_at else " (running)")
        for session in summary.sessions
    )


def _steps_table(steps: Iterable[Step], now: dt.datetime) -> Table:
    table = _table("Steps")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("step")
    for column in ("status", "try", "started", "took"):
        table.add_column(column, no_wrap=True)
    table.add_column("decision")
    table.add_column("detail", overflow="fold")
    for step in steps:
        label = Text(step.id, style="bold")
        about = " · ".join(
            part for part in (step.type, step.name if step.name != step.id else "") if part
        )
        if about:
            label.append(f"\n{about}", style="dim")
        first = [str(step.position) if step.position is not None else "-", label]
        if not step.attempts:
            decision = _decision(step.decision, step.decision_by)
            add_row(table, *first, status_text(step.state), "", "", "", decision, step.reason or "")
            continue
        for view in step.attempts:
            add_row(
                table,
                *(first if view is step.attempts[0] else ["", ""]),
                status_text(view.row.status),
                str(view.number),
                fmt.clock(view.row.started_at),
                _attempt_duration(view, now),
                _attempt_decision(step, view),
                _attempt_detail(view),
            )
    return table


def _attempt_duration(view: AttemptView, now: dt.datetime) -> str:
    row = view.row
    if row.status == "running":
        return fmt.duration((now - parse_time(row.started_at)).total_seconds()) + " …"
    return fmt.duration(
        attempt_seconds(row.status, row.duration_s, row.started_at, row.finished_at)
    )


def _decision(decision: str | None, by: str | None) -> str:
    """`retry by alice`: when is in the timeline."""
    if not decision:
        return ""
    return f"{decision} by {by}" if by else decision


def _attempt_decision(step: Step, view: AttemptView) -> str:
    row = view.row
    if step.type == "Manual" and row.status == "ok":
        return _decision("approved", view.ended_by)
    return _decision(row.decision, view.decision_by)


def _attempt_detail(view: AttemptView) -> str:
    """Why the attempt failed, and the command's exit code unless that already says it."""
    row = view.row
    parts = [row.exception] if row.exception else []
    code = f"exit code {row.exit_code}"
    if row.exit_code is not None and code not in (row.exception or ""):
        parts.append(code)
    return " · ".join(parts)


def _outputs(steps: Iterable[Step]) -> Iterable[Group]:
    for step in steps:
        for view in step.attempts:
            for stream, text in captured(view.row):
                lines = text.splitlines()
                header = Text.assemble(
                    (step.id, "bold"),
                    f" · attempt {view.number} · {stream}",
                    (f" ({len(lines)} lines)" if len(lines) > FOLDED_LINES else "", "dim"),
                )
                shown = lines[-FOLDED_LINES:]
                body = [Text(f"  │ {line}") for line in shown]
                if len(lines) > len(shown):
                    body.insert(0, Text(f"  │ … {len(lines) - len(shown)} earlier lines", "dim"))
                yield Group(header, *body)


def _timeline(detail: RunDetail) -> Table:
    table = _table("Timeline")
    for column in ("time", "elapsed", "step", "event", "by"):
        table.add_column(column, no_wrap=True)
    table.add_column("detail", overflow="fold")
    start = detail.summary.row.started_at
    for event in detail.events:
        change = Text.assemble(
            (f"{event.trigger} ", "dim"), (event.source, status_style(event.source)), " → "
        )
        change.append(event.dest, style=status_style(event.dest))
        add_row(
            table,
            fmt.clock(event.at),
            fmt.duration(elapsed(start, event.at)),
            event.node_id or "-",
            change,
            event.operator,
            event.detail or "",
        )
    return table


# Statistics -------------------------------------------------------------------------------


def workflows_table(workflows: list[WorkflowStats]) -> Table:
    """A row per workflow, a column per status that any of them has."""
    statuses = [s for s in RUN_STATUSES if any(w.by_status.get(s) for w in workflows)]
    statuses += sorted({s for w in workflows for s in w.by_status} - set(statuses))
    table = _table("Workflows")
    table.add_column("workflow", overflow="fold", min_width=16)
    table.add_column("runs", justify="right")
    for status in statuses:
        table.add_column(status, justify="right", no_wrap=True)
    for column in ("success", "median", "p90"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("last run")
    for stats in workflows:
        counts = [_count(stats.by_status.get(status, 0), status) for status in statuses]
        add_row(
            table,
            stats.title,
            f"{stats.runs:,}",
            *counts,
            fmt.percent(stats.success_rate),
            fmt.duration(stats.duration.median),
            fmt.duration(stats.duration.p90),
            _last_run(stats),
        )
    return table


def _last_run(stats: WorkflowStats) -> Text:
    """`6 NOK 2024-05-01`: the newest run, its status and its day."""
    last = stats.last_run
    if last is None:
        return Text("-")
    text = Text(f"{last.id} ")
    text.append(last.status, style=status_style(last.status))
    text.append(f" {fmt.timestamp(last.started_at)[:10]}", style="dim")
    return text


def workflow_facts(stats: WorkflowStats) -> Table:
    facts = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    facts.add_column(style="bold")
    facts.add_column()
    spread = stats.duration
    add_row(facts, "workflow", stats.title)
    add_row(facts, "runbook", "\n".join(stats.runbooks) or "-")
    add_row(
        facts,
        "runs",
        Text.assemble(f"{stats.runs:,}  ", status_counts(stats.by_status, RUN_STATUSES)),
    )
    add_row(
        facts, "success rate", f"{fmt.percent(stats.success_rate)} (OK among runs not in progress)"
    )
    add_row(
        facts,
        "run duration",
        f"median {fmt.duration(spread.median)} · p90 {fmt.duration(spread.p90)}"
        " (runs that are over)",
    )
    last = _last_run(stats)
    if stats.last_run is not None:
        last.append(f" {fmt.timestamp(stats.last_run.started_at)[11:16]}", style="dim")
    add_row(facts, "last run", last)
    return facts


NODE_COLUMNS = ("ran", "failed", "attempts", "median", "p90", "op. skip", "skipped")
#: What each column of `nodes_table` counts, printed under it.
NODE_LEGEND = (
    "ran: runs in which it made an attempt · failed: share of those in which it ended failed"
    " · attempts: median per run · median, p90: duration of one attempt · op. skip: failures"
    " the operator skipped · skipped: runs that skipped it (its condition, or skip = true)"
)


def nodes_table(nodes: list[NodeStats]) -> Table:
    table = _table("Nodes")
    table.add_column("node", overflow="fold")
    for column in NODE_COLUMNS:
        table.add_column(column, justify="right", no_wrap=True)
    for stats in nodes:
        failure = Text(fmt.percent(stats.failure_rate))
        if stats.failed:
            failure.stylize(status_style("failed"))
        add_row(
            table,
            stats.node_id,
            str(stats.ran),
            failure,
            fmt.number(stats.median_attempts),
            fmt.duration(stats.duration.median),
            fmt.duration(stats.duration.p90),
            str(stats.operator_skips),
            str(stats.condition_skips),
        )
    return table
