"""A run drawn over its DAG: what `view-dag --run` and the postmortem report colour."""

from __future__ import annotations

from playbook.diagrams.visitor import RunOverlay
from playbook.history.runs import RunDetail, Step


def run_overlay(run: RunDetail) -> RunOverlay:
    summary = run.summary
    title = f"{summary.row.shown_title} · run {summary.id}: {summary.status}"
    states = {step.id: step.state for step in run.steps}
    notes = {step.id: note for step in run.steps if (note := _note(step))}
    return RunOverlay(title, states, notes)


def _note(step: Step) -> str:
    parts = []
    if len(step.attempts) > 1:
        parts.append(f"{len(step.attempts)} attempts")
    if step.state == "failed" and step.decision == "skip":
        parts.append("skipped by operator")
    return " · ".join(parts)
