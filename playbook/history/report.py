"""The postmortem report of one run: Markdown that reads as plain text and renders anywhere.

It holds only what `show` shows: what the state database kept, whose outputs and errors were
redacted when they were written, and the run's variables with secrets as `[REDACTED]`. Commands
and function parameters are left out, as the run's own display leaves them out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from playbook.diagnostics import PlaybookError, cannot_write
from playbook.history import formatting as fmt
from playbook.history.clock import attempt_seconds, elapsed
from playbook.history.runs import AttemptView, RunDetail, Step, captured
from playbook.history.status import NODE_STATES, UNFINISHED_STATES

# ASCII punctuation that means something in inline Markdown or in a table row.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~#!])")
_BACKTICKS = re.compile(r"`+")


def write_report(path: Path, run: RunDetail) -> None:
    text = report(run)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise cannot_write(path, error) from None


def report(run: RunDetail) -> str:
    sections = [
        _heading(run),
        _summary(run),
        _decisions(run),
        _dag(run),
        _timeline(run),
        _steps(run),
        _variables(run),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def inline(text: str) -> str:
    """`text` shown literally in Markdown prose or a table cell, on one line."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return "<br>".join(escaped.splitlines()) if "\n" in escaped else escaped


def code(text: str) -> str:
    """`text` as an inline code span (fenced with more backticks than it contains)."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}".replace("|", "\\|")


def code_block(text: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip(chr(10))}\n{fence}"


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    columns = list(header)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _heading(run: RunDetail) -> str:
    summary = run.summary
    row = summary.row
    facts = [
        ("Status", f"**{summary.status}**" + _ending(run)),
        ("Runbook", f"{code(row.runbook_path)} (title {code(row.title)})"),
        ("Runbook SHA-256", code(run.source_sha256)),
        ("Started", f"{fmt.timestamp(row.started_at)} by {inline(row.operator)}"),
        ("Finished", fmt.timestamp(row.finished_at) or "-"),
        ("Active time", f"{fmt.duration(summary.duration_s)} in {_sessions(run)}"),
        ("Times", fmt.zone()),
    ]
    title = f"# Postmortem: {inline(row.shown_title)} — run {row.id}"
    return title + "\n\n" + table(["", ""], [[f"**{name}**", value] for name, value in facts])


def _ending(run: RunDetail) -> str:
    ending = run.summary.ending
    return f": {inline(ending.detail)}" if ending is not None and ending.detail else ""


def _sessions(run: RunDetail) -> str:
    sessions = run.summary.sessions
    noun = "session" if len(sessions) == 1 else "sessions"
    parts = [
        f"{session.how} by {inline(session.operator)}"
        + (f", {fmt.duration(session.seconds(session.ended_at))}" if session.ended_at else "")
        + ("" if session.ended_at else ", still running")
        for session in sessions
    ]
    return f"{len(sessions)} {noun} ({'; '.join(parts)})"


def _summary(run: RunDetail) -> str:
    steps = run.steps
    states = Counter(step.state for step in steps)
    reached = [step for step in steps if step.attempts]
    order = [*NODE_STATES, *sorted(set(states) - set(NODE_STATES))]
    counts = ", ".join(f"{states[state]} {state}" for state in order if states[state])
    operator_skips = [
        step.id for step in steps if step.state == "failed" and step.decision == "skip"
    ]
    lines = [
        "## Summary",
        "",
        f"{len(reached)} of {len(steps)} steps ran ({counts}).",
    ]
    if operator_skips:
        lines.append(
            "Failed and skipped by the operator: "
            + ", ".join(code(s) for s in operator_skips)
            + "."
        )
    failed = [step for step in steps if step.state == "failed" and step.decision != "skip"]
    if failed:
        lines.append("Failed: " + "; ".join(_failure(step) for step in failed) + ".")
    unfinished = [step.id for step in steps if step.state in UNFINISHED_STATES]
    if unfinished:
        lines.append("Not finished: " + ", ".join(code(s) for s in unfinished) + ".")
    lines.append(_why(run))
    return "\n".join(lines)


def _failure(step: Step) -> str:
    last = step.attempts[-1].row.exception if step.attempts else step.reason
    return code(step.id) + (f" ({inline(last)})" if last else "")


def _why(run: RunDetail) -> str:
    summary = run.summary
    ending = summary.ending
    if summary.status == "RUNNING":
        return "The run was still RUNNING when this report was written."
    if ending is None:
        return f"The run is {summary.status}."
    how = {"abort": "It was stopped", "set-status": "Its status was set by hand"}.get(
        ending.trigger, "It ended"
    )
    detail = f": {inline(ending.detail)}" if ending.detail else ""
    by = f" by {inline(ending.operator)}" if ending.trigger == "set-status" else ""
    return f"{how} **{summary.status}**{by} at {fmt.timestamp(ending.at)}{detail}."


def _decisions(run: RunDetail) -> str:
    rows = []
    for step in run.steps:
        for view in step.attempts:
            row = view.row
            if step.type == "Manual" and row.status in ("ok", "failed") and step.question:
                answer = "approved" if row.status == "ok" else "not approved"
                rows.append(
                    [
                        code(step.id),
                        inline(step.question),
                        answer,
                        *_who(view.ended_by, row.finished_at),
                    ]
                )
            if row.decision:
                question = f"attempt {view.number} failed: retry, skip or abort?"
                rows.append(
                    [
                        code(step.id),
                        question,
                        f"**{row.decision}**",
                        *_who(view.decision_by, view.decision_at),
                    ]
                )
        if not step.attempts and step.decision:
            question = "could not start: skip or abort?"
            rows.append(
                [
                    code(step.id),
                    question,
                    f"**{step.decision}**",
                    *_who(step.decision_by, step.decision_at),
                ]
            )
    if not rows:
        return "## Approvals and decisions\n\nNo approval was asked and no decision was taken."
    return "## Approvals and decisions\n\n" + table(
        ["Step", "Question", "Answer", "By", "At"], rows
    )


def _who(operator: str | None, at: str | None) -> list[str]:
    return [inline(operator or "-"), fmt.timestamp(at) or "-"]


def _dag(run: RunDetail) -> str:
    from playbook.compiler.ir import Program
    from playbook.diagrams import to_mermaid
    from playbook.history.overlay import run_overlay

    try:
        program = Program.loads(run.ir)
    except PlaybookError:
        return "## DAG\n\nThe run's runbook was recorded in a form this Playbook cannot draw."
    return "## DAG\n\n```mermaid\n" + to_mermaid(program, run_overlay(run)) + "```"


def _timeline(run: RunDetail) -> str:
    start = run.summary.row.started_at
    rows = []
    for event in run.events:
        rows.append(
            [
                fmt.timestamp(event.at),
                fmt.duration(elapsed(start, event.at)),
                code(event.node_id) if event.node_id else "run",
                f"{event.trigger}: {event.source} → {event.dest}",
                inline(event.operator),
                inline(event.detail or ""),
            ]
        )
    return "## Timeline\n\n" + table(["Time", "+", "Step", "Event", "By", "Detail"], rows)


def _steps(run: RunDetail) -> str:
    parts = ["## Steps"]
    for step in run.steps:
        parts.append(_step(step))
    return "\n\n".join(parts)


def _step(step: Step) -> str:
    number = f"{step.position}. " if step.position is not None else ""
    name = "" if step.name == step.id else f" ({inline(step.name)})"
    lines = [f"### {number}{inline(step.id)}{name} — {step.state}"]
    facts = [step.type or "unknown type"]
    facts.append(f"{len(step.attempts)} attempt" + ("" if len(step.attempts) == 1 else "s"))
    if step.decision:
        facts.append(f"decision: {step.decision}")
    if step.reason and not step.attempts:
        facts.append(inline(step.reason))
    lines.append(" · ".join(facts))
    if step.attempts:
        header = ["Attempt", "Status", "Started", "Duration", "Exit code", "Decision", "Error"]
        lines.append(table(header, [_attempt_row(view) for view in step.attempts]))
    for view in step.attempts:
        for stream, text in captured(view.row):
            lines.append(f"**Attempt {view.number} · {stream}**\n\n{code_block(text)}")
    return "\n\n".join(lines)


def _attempt_row(view: AttemptView) -> list[str]:
    row = view.row
    decision = row.decision or ""
    if decision and view.decision_by:
        decision += f" by {inline(view.decision_by)} at {fmt.clock(view.decision_at)}"
    return [
        str(view.number),
        row.status,
        fmt.timestamp(row.started_at),
        fmt.duration(attempt_seconds(row.status, row.duration_s, row.started_at, row.finished_at)),
        "" if row.exit_code is None else str(row.exit_code),
        decision,
        inline(row.exception or ""),
    ]


def _variables(run: RunDetail) -> str:
    if not run.variables:
        return "## Variables\n\nNone."
    rows = [[code(name), code(str(value))] for name, value in run.variables.items()]
    return "## Variables\n\n" + table(["Name", "Value"], rows)
