"""The JSON documents of `show --json` and `info --json` (shape: docs/history.md).

Every document carries `"version": HISTORY_JSON_VERSION` and a `"kind"`. Within a version, keys
are only ever added; renaming or removing one, or changing its meaning, raises the version.
Times are the stored ISO 8601 UTC strings, durations are seconds, rates are fractions (0 to 1);
an unknown value is null.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from playbook.history.queries import AttemptRow, EventRow, RunRow
from playbook.history.runs import AttemptView, RunDetail, RunSummary, Step
from playbook.history.statistics import NodeStats, Spread, WorkflowStats

HISTORY_JSON_VERSION = 1


def document(kind: str, **content: Any) -> str:
    """The JSON text of a document of `kind`, indented for people, UTF-8 kept readable."""
    data = {"version": HISTORY_JSON_VERSION, "kind": kind, **content}
    return json.dumps(data, indent=2, ensure_ascii=False)


def run_json(summary: RunSummary) -> dict[str, Any]:
    row = summary.row
    return {
        "id": row.id,
        "title": row.title,
        "rendered_title": row.display_title,
        "runbook": row.runbook_path,
        "status": summary.status,
        "operator": row.operator,
        "operators": list(summary.operators),
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "duration_s": summary.duration_s,
        "history": list(summary.actions),
        "nodes": dict(sorted(summary.nodes.items())),
    }


def run_detail_json(detail: RunDetail) -> dict[str, Any]:
    summary = detail.summary
    return {
        **run_json(summary),
        "source_sha256": detail.source_sha256,
        "ended": event_json(summary.ending) if summary.ending else None,
        "sessions": [
            {
                "how": session.how,
                "operator": session.operator,
                "started_at": _time(session.started_at),
                "ended_at": _time(session.ended_at) if session.ended_at else None,
                "ended_by": session.ended_by,
            }
            for session in summary.sessions
        ],
        "variables": detail.variables,
        "steps": [step_json(step) for step in detail.steps],
        "events": [event_json(event) for event in detail.events],
    }


def _time(moment: dt.datetime) -> str:
    """A time as the store writes it, microseconds always shown."""
    return moment.isoformat(timespec="microseconds")


def step_json(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "name": step.name,
        "type": step.type or None,
        "state": step.state,
        "decision": step.decision,
        "reason": step.reason,
        "position": step.position,
        "decided_by": step.decision_by,
        "decided_at": step.decision_at,
        "attempts": [attempt_json(view) for view in step.attempts],
    }


def attempt_json(view: AttemptView) -> dict[str, Any]:
    row: AttemptRow = view.row
    return {
        "attempt": row.attempt,
        "status": row.status,
        "exit_code": row.exit_code,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "duration_s": row.duration_s,
        "ended_by": view.ended_by,
        "decision": row.decision,
        "decided_by": view.decision_by,
        "decided_at": view.decision_at,
        "error": row.exception,
        "stdout": row.stdout,
        "stderr": row.stderr,
        "result": row.result,
    }


def event_json(event: EventRow) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at,
        "node": event.node_id,
        "trigger": event.trigger,
        "from": event.source,
        "to": event.dest,
        "operator": event.operator,
        "detail": event.detail,
    }


def spread_json(spread: Spread) -> dict[str, float | None]:
    return {"median": spread.median, "p90": spread.p90}


def last_run_json(row: RunRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": row.id, "status": row.status, "started_at": row.started_at}


def workflow_json(stats: WorkflowStats) -> dict[str, Any]:
    return {
        "title": stats.title,
        "runbooks": list(stats.runbooks),
        "runs": stats.runs,
        "by_status": dict(sorted(stats.by_status.items())),
        "success_rate": stats.success_rate,
        "duration_s": spread_json(stats.duration),
        "last_run": last_run_json(stats.last_run),
    }


def node_stats_json(stats: NodeStats) -> dict[str, Any]:
    return {
        "id": stats.node_id,
        "ran": stats.ran,
        "ok": stats.ok,
        "failed": stats.failed,
        "failure_rate": stats.failure_rate,
        "attempts": {"total": stats.attempts, "median": stats.median_attempts},
        "duration_s": spread_json(stats.duration),
        "operator_skips": stats.operator_skips,
        "condition_skips": stats.condition_skips,
    }
