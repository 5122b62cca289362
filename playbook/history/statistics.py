"""Statistics of a workflow's runs and of its nodes.

Definitions (docs/history.md states them for users):

- A run counts once, with the status it has now: a run that failed, was aborted, then resumed
  to OK is one OK run, and its attempts from both sessions are its attempts.
- Success rate: OK runs among the runs that are not in progress.
- Run duration: the run's active time (the sum of its sessions), over runs that are over.
- A node *ran* in a run when it made at least one attempt there. Failure rate: runs in which it
  ended failed, among the runs in which it ran and reached an outcome (ok or failed).
- Attempt duration: the time measured for the attempt's work (a command's or a function's own
  run time), or from its start to its end when none was measured (a Manual step's approval);
  attempts cut short by an interruption have no honest duration and are left out.
- Median: the middle value (the mean of the two middle ones for an even count); p90: the
  nearest-rank 90th percentile, always a value that occurred.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from playbook.history.clock import elapsed
from playbook.history.queries import MeasuredAttempt, NodeOutcomeCount, RunRow, UnmeasuredAttempt
from playbook.history.status import SUCCESS, describe


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile: the smallest value with `fraction` of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile of some durations, in seconds (None when there are none)."""

    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(median(values), percentile(values, 0.9))


@dataclass(frozen=True)
class WorkflowStats:
    title: str
    runbooks: tuple[str, ...]
    runs: int
    by_status: dict[str, int]
    success_rate: float | None
    duration: Spread
    last_run: RunRow | None


@dataclass(frozen=True)
class NodeStats:
    node_id: str
    ran: int
    ok: int
    failed: int
    failure_rate: float | None
    median_attempts: float | None
    attempts: int
    duration: Spread
    operator_skips: int
    condition_skips: int


def workflow_stats(
    title: str, runs: Sequence[RunRow], durations: dict[int, float]
) -> WorkflowStats:
    """Statistics of `runs` (newest first); `durations` holds each run's active seconds."""
    statuses = Counter(run.status for run in runs)
    settled = sum(n for status, n in statuses.items() if not describe(status).in_progress)
    # A run without run-level events (a database edited by hand) has no duration to count.
    over = [durations[run.id] for run in runs if describe(run.status).over and run.id in durations]
    return WorkflowStats(
        title=title,
        runbooks=tuple(sorted({run.runbook_path for run in runs})),
        runs=len(runs),
        by_status=dict(statuses),
        success_rate=rate(statuses[SUCCESS], settled),
        duration=Spread.of(over),
        last_run=runs[0] if runs else None,
    )


def node_stats(
    outcomes: Iterable[NodeOutcomeCount],
    measured: Iterable[MeasuredAttempt],
    unmeasured: Iterable[UnmeasuredAttempt],
    order: Sequence[str],
) -> list[NodeStats]:
    """Per-node statistics, nodes in `order` first, then any others by id."""
    attempts: dict[str, list[int]] = defaultdict(list)
    ok: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    operator_skips: Counter[str] = Counter()
    condition_skips: Counter[str] = Counter()
    for outcome in outcomes:
        node = outcome.node_id
        if outcome.attempts:
            attempts[node].extend([outcome.attempts] * outcome.runs)
            ok[node] += outcome.runs if outcome.state == "ok" else 0
            failed[node] += outcome.runs if outcome.state == "failed" else 0
        elif outcome.state == "skipped":
            condition_skips[node] += outcome.runs
        if outcome.state == "failed" and outcome.decision == "skip":
            operator_skips[node] += outcome.runs
        attempts.setdefault(node, [])
    durations: dict[str, list[float]] = defaultdict(list)
    for node, seconds in measured:
        durations[node].append(seconds)
    for node, started, finished in unmeasured:
        durations[node].append(elapsed(started, finished))
    known = [node for node in order if node in attempts]
    others = sorted(set(attempts) - set(known))
    return [
        NodeStats(
            node_id=node,
            ran=len(attempts[node]),
            ok=ok[node],
            failed=failed[node],
            failure_rate=rate(failed[node], ok[node] + failed[node]),
            median_attempts=median(attempts[node]),
            attempts=sum(attempts[node]),
            duration=Spread.of(durations[node]),
            operator_skips=operator_skips[node],
            condition_skips=condition_skips[node],
        )
        for node in (*known, *others)
    ]
