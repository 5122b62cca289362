"""Runs as `show` presents them: a page of summaries, or one run in full.

Everything here is assembled from the query module's rows; nothing is recomputed from the
runbook file, so a run reads the same after its runbook changed or was deleted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from playbook.history.queries import (
    AttemptRow,
    EventRow,
    HistoryQueries,
    NodeStateRow,
    RunRow,
    Selection,
)
from playbook.history.sessions import Session, actions, active_seconds, ending, sessions_of

if TYPE_CHECKING:
    from playbook.compiler.ir import Program

#: Node events that start an attempt, and those that end one.
ATTEMPT_STARTS = frozenset({"start", "retry"})
ATTEMPT_ENDS = frozenset({"succeed", "fail", "interrupt"})
#: The operator's answers to a failure, each recorded as a transition from `failed`.
DECISIONS = frozenset({"retry", "skip", "abort"})


def decision_of(event: EventRow) -> str | None:
    """The operator's answer to a failure that `event` records, if it records one.

    Older databases record each answer as a `decide` event naming it.
    """
    if event.trigger == "decide":
        return event.detail
    if event.trigger in DECISIONS and event.source == "failed":
        return event.trigger
    return None


@dataclass(frozen=True)
class RunSummary:
    row: RunRow
    sessions: tuple[Session, ...]
    actions: tuple[str, ...]
    nodes: dict[str, int]
    duration_s: float
    ending: EventRow | None

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def status(self) -> str:
        """The status history shows (see `status.shown_status`)."""
        return self.row.status

    @property
    def operators(self) -> tuple[str, ...]:
        """Who drove the run, in order of their first session."""
        return tuple(dict.fromkeys(session.operator for session in self.sessions))


@dataclass(frozen=True)
class AttemptView:
    """One attempt with who ended it and what the operator decided after it."""

    row: AttemptRow
    ended_by: str | None = None
    decision_by: str | None = None
    decision_at: str | None = None

    @property
    def number(self) -> int:
        return self.row.attempt


@dataclass(frozen=True)
class Step:
    """A node of the run: its final state and every attempt."""

    id: str
    name: str
    type: str
    state: str
    decision: str | None
    reason: str | None
    position: int | None  # in the order the run reached its nodes; None: never reached
    attempts: tuple[AttemptView, ...]
    #: A decision taken without an attempt (a condition that could not be evaluated).
    decision_by: str | None = None
    decision_at: str | None = None
    question: str = ""  # a Manual step's approval question


@dataclass(frozen=True)
class RunDetail:
    summary: RunSummary
    source_sha256: str
    ir: str
    variables: dict[str, Any]
    steps: tuple[Step, ...]
    events: tuple[EventRow, ...]


def captured(row: AttemptRow) -> list[tuple[str, str]]:
    """An attempt's non-empty streams and result, in the order they are shown."""
    streams = [("stdout", row.stdout), ("stderr", row.stderr), ("result", row.result)]
    return [(name, text) for name, text in streams if text]


def summaries(
    queries: HistoryQueries,
    selection: Selection | None,
    now: dt.datetime,
    limit: int | None = None,
    offset: int = 0,
) -> list[RunSummary]:
    """A page of the selected runs, newest first (all of them when `limit` is None)."""
    rows = queries.runs(selection, limit, offset)
    if not rows:
        return []
    first, last = rows[-1].id, rows[0].id
    counts = queries.node_counts(selection, first, last)
    events = queries.run_events(selection, first, last)
    return [
        summarize(queries, row, events.get(row.id, []), counts.get(row.id, {}), now) for row in rows
    ]


def summarize(
    queries: HistoryQueries,
    row: RunRow,
    events: list[EventRow],
    nodes: dict[str, int],
    now: dt.datetime,
) -> RunSummary:
    sessions = tuple(sessions_of(events, lambda event: queries.time_before(row.id, event.id)))
    return RunSummary(
        row=row,
        sessions=sessions,
        actions=tuple(actions(events)),
        nodes=nodes,
        duration_s=active_seconds(sessions, now),
        ending=ending(events),
    )


def active_durations(
    queries: HistoryQueries, selection: Selection | None, now: dt.datetime
) -> dict[int, float]:
    """Every selected run's active seconds, by run id."""
    events = queries.run_events(selection)
    return {
        run_id: active_seconds(
            sessions_of(run_events, lambda event: queries.time_before(event.run_id, event.id)),
            now,
        )
        for run_id, run_events in events.items()
    }


def detail(queries: HistoryQueries, row: RunRow, now: dt.datetime) -> RunDetail:
    """One run in full: every node with every attempt, its variables and its events."""
    from playbook.compiler.ir import Program  # the compiler is loaded only to read one run
    from playbook.diagnostics import PlaybookError
    from playbook.redaction import REDACTED

    document = queries.document(row.id)
    events = queries.events(row.id)
    run_events = [event for event in events if event.node_id is None]
    states = queries.node_states(row.id)
    counts: dict[str, int] = {}
    for state in states:
        counts[state.state] = counts.get(state.state, 0) + 1
    summary = summarize(queries, row, run_events, counts, now)
    try:
        program: Program | None = Program.loads(document.ir)
    except PlaybookError:  # an IR this Playbook cannot read: show what the tables hold
        program = None
    variables: dict[str, Any] = json.loads(document.variables)
    if program is not None:
        secrets = {variable.name for variable in program.variables if variable.secret}
        order = [variable.name for variable in program.variables]
        variables = {
            name: REDACTED if name in secrets else variables[name]
            for name in order
            if name in variables or name in secrets
        }
    shown = _shown_text(variables) if program is not None else str
    steps = _steps(program, states, queries.attempts(row.id), events, shown)
    return RunDetail(summary, document.source_sha256, document.ir, variables, steps, tuple(events))


def _shown_text(variables: dict[str, Any]) -> Callable[[str], str]:
    """Renders a node's name or question as the operator saw it, secrets as `[REDACTED]`.

    Only the run's stored values are at hand: a template that needs more is shown as written.
    """
    from playbook.runtime.rendering import Renderer

    renderer = Renderer(variables)

    def shown(text: str) -> str:
        try:
            return renderer.text(text)
        except Exception:  # a template can fail in any way Python can; the raw text still reads
            return text

    return shown


def _steps(
    program: Program | None,
    states: list[NodeStateRow],
    attempts: list[AttemptRow],
    events: list[EventRow],
    shown: Callable[[str], str],
) -> tuple[Step, ...]:
    """Nodes in the order the run reached them, then those it never reached, as declared."""
    declared = [node.id for node in program.nodes] if program is not None else []
    nodes = program.nodes_by_id if program is not None else {}
    first_event: dict[str, int] = {}
    for event in events:
        if event.node_id is not None:
            first_event.setdefault(event.node_id, event.id)
    reached = sorted(first_event, key=first_event.__getitem__)
    rank = {node_id: position for position, node_id in enumerate(reached, start=1)}
    by_id = {state.node_id: state for state in states}
    unreached = [node_id for node_id in declared if node_id in by_id and node_id not in rank]
    unreached += sorted(set(by_id) - set(rank) - set(unreached))
    rows: dict[str, list[AttemptRow]] = {}
    for attempt in attempts:
        rows.setdefault(attempt.node_id, []).append(attempt)
    node_events: dict[str, list[EventRow]] = {}
    for event in events:
        if event.node_id is not None:
            node_events.setdefault(event.node_id, []).append(event)
    steps = []
    for node_id in [node_id for node_id in reached if node_id in by_id] + unreached:
        state = by_id[node_id]
        node = nodes.get(node_id)
        views, decision_by, decision_at = _attempt_views(
            rows.get(node_id, []), node_events.get(node_id, [])
        )
        steps.append(
            Step(
                id=node_id,
                name=shown(node.name) if node is not None else node_id,
                type=node.type if node is not None else "",
                state=state.state,
                decision=state.decision,
                reason=state.reason,
                position=rank.get(node_id),
                attempts=views,
                decision_by=decision_by,
                decision_at=decision_at,
                question=shown(node.prompt_after)
                if node is not None and node.type == "Manual"
                else "",
            )
        )
    return tuple(steps)


def _attempt_views(
    attempts: list[AttemptRow], events: list[EventRow]
) -> tuple[tuple[AttemptView, ...], str | None, str | None]:
    """Each attempt with the operator who ended it and who decided after it.

    Attempts are numbered by their start events, so a decision belongs to the attempt started
    last before it; one taken before any attempt belongs to the node.
    """
    ended_by: dict[int, str] = {}
    decided: dict[int, tuple[str, str]] = {}
    current = 0
    for event in events:
        if decision_of(event) is not None:  # before a retry starts the next attempt
            decided[current] = (event.operator, event.at)
        if event.trigger in ATTEMPT_STARTS:
            current += 1
        elif event.trigger in ATTEMPT_ENDS and current:
            ended_by[current] = event.operator
    views = tuple(
        AttemptView(
            row,
            ended_by=ended_by.get(row.attempt),
            decision_by=decided.get(row.attempt, (None, None))[0] if row.decision else None,
            decision_at=decided.get(row.attempt, (None, None))[1] if row.decision else None,
        )
        for row in attempts
    )
    node_decision = decided.get(0, (None, None))
    return views, node_decision[0], node_decision[1]
