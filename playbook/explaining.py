"""`playbook explain`: why a node of a recorded run ran, was skipped, failed, or never started.

Everything comes from the state database: the IR the run was started with (the runbook may have
changed since), the node states, every attempt and every transition with its time. The answer is
a chain in words, most important first: what became of the node, why (its condition and the
outcomes it read, or what stopped the run before it), then its history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from playbook.compiler.ast import Variable, node_references, walk
from playbook.compiler.ir import Node, NodeState, Program, RunStatus
from playbook.compiler.words import value_in_words
from playbook.diagnostics import PlaybookError, did_you_mean
from playbook.runtime.store import NodeRecord, RunRecord, Store

#: Words for the transitions of a node's history.
_HISTORY = {
    "start": "attempt {attempt} started",
    "retry": "attempt {attempt} started (retry)",
    "succeed": "attempt {attempt} succeeded",
    "fail": "attempt {attempt} failed",
    "interrupt": "attempt {attempt} interrupted",
    "reject": "failed before running",
    "skip": "skipped",
    "give_up": "gave up: critical, no attempts left",
    "abort": "run aborted here",
    "reset": "reopened to run again",
}
_RUN_HISTORY = {"abort": "the run was aborted", "resume": "the run was resumed"}


@dataclass(frozen=True)
class _Run:
    record: RunRecord
    program: Program
    nodes: dict[str, NodeRecord]
    attempts: dict[str, list[dict[str, Any]]]
    events: list[dict[str, Any]]

    def node_events(self, node_id: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event["node_id"] == node_id]

    def settled_at(self, node_id: str) -> str | None:
        events = self.node_events(node_id)
        return _clock(events[-1]["at"]) if events else None


def explain(store: Store, run_id: int, node_id: str) -> list[str]:
    """The lines that explain `node_id` in run `run_id`."""
    record = store.run(run_id)
    if record is None:
        raise PlaybookError.single(
            f"no run {run_id} in {store.location}",
            hint=f"check the run id and {store.location.flags()[0]}",
        )
    program = Program.loads(record.ir)
    if node_id not in program.nodes_by_id:
        raise PlaybookError.single(
            f"run {run_id} has no node {node_id!r}",
            hint=did_you_mean(node_id, program.nodes_by_id)
            or "nodes: " + ", ".join(program.nodes_by_id),
        )
    attempts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for attempt in store.attempts(run_id):
        attempts[attempt["node_id"]].append(attempt)
    run = _Run(record, program, store.nodes(run_id), attempts, store.events(run_id))
    node = program.node(node_id)
    lines = [f"{node_id} in run {run_id} of {record.title!r} ({record.status}):"]
    lines += [f"  {line}" for line in _chain(run, node)]
    history = _history(run, node_id)
    if history:
        lines += ["  history:", *(f"    {line}" for line in history)]
    return lines


def _chain(run: _Run, node: Node) -> list[str]:
    record = run.nodes.get(node.id)
    if record is None:
        return ["was not part of this run (the runbook gained it later)"]
    state = NodeState(record.state)
    if state is NodeState.PENDING:
        return ["never started: " + _why_not_started(run, node)]
    if state is NodeState.SKIPPED:
        return ["skipped " + _why_skipped(run, node, record)]
    if state is NodeState.RUNNING:
        attempt = run.attempts[node.id][-1]
        return [
            f"is running attempt {attempt['attempt']}, started at {_clock(attempt['started_at'])}"
        ]
    count = len(run.attempts[node.id])
    if state is NodeState.INTERRUPTED:
        lines = [f"was interrupted at {run.settled_at(node.id)}: {record.reason}"]
        return [*lines, "a resume of this run runs it again"]
    if state is NodeState.FAILED and count == 0:
        return [f"failed before running, at {run.settled_at(node.id)}: {record.reason}"]
    lines = [_outcome(run, node.id, named=False)]
    if state is NodeState.FAILED:
        lines.append(_after_failure(run, node, record))
    lines.append("it ran because " + _why_it_ran(run, node))
    return lines


def _outcome(run: _Run, node_id: str, named: bool = True) -> str:
    """One node's outcome with its time and attempts: 'deploy succeeded at 14:02:11 after 2
    attempts' (without the node's name unless `named`)."""
    record = run.nodes.get(node_id)
    if record is None:
        return f"{node_id} was not part of this run"
    count = len(run.attempts[node_id])
    tries = f" after {count} attempt{'s' if count != 1 else ''}"
    at = run.settled_at(node_id)
    state = NodeState(record.state)
    if state is NodeState.OK:
        text = f"succeeded at {at}{tries}"
    elif state is NodeState.FAILED and count:
        text = f"failed at {at}{tries}"
        if named and record.decision == "skip":
            text += " (the operator skipped it: it stays failed)"
    elif state is NodeState.FAILED:
        text = f"failed before running, at {at} ({record.reason})"
    elif state is NodeState.SKIPPED:
        text = f"was skipped at {at} ({record.reason})"
    elif state is NodeState.PENDING:
        text = "had not started"
    else:
        text = f"was {state.value} at {at}"
    return f"{node_id} {text}" if named else text


def _because(run: _Run, node: Node) -> str:
    """What the node's condition read: the outcomes of the nodes it names, the values."""
    assert node.trigger is not None
    facts = [
        _outcome(run, target)
        for target in dict.fromkeys(target for target, _ in node_references(node.trigger.expr))
    ]
    values = run.record.variables
    for name in dict.fromkeys(i.name for i in walk(node.trigger.expr) if isinstance(i, Variable)):
        facts.append(
            f"{name} was {value_in_words(values[name])}"
            if name in values
            else f"{name} had no value"
        )
    return ", ".join(facts)


def _why_skipped(run: _Run, node: Node, record: NodeRecord) -> str:
    at = run.settled_at(node.id)
    if record.reason == "skip = true" or node.trigger is None:
        return f"at {at}: it says skip = true"
    return f"at {at}: condition `{node.trigger.source}` was false because {_because(run, node)}"


def _why_it_ran(run: _Run, node: Node) -> str:
    if node.trigger is None:
        if not node.upstream:
            return "it waits for no node and has no condition"
        return "it has no condition, and it starts once " + ", ".join(node.upstream) + " settled"
    return f"its condition `{node.trigger.source}` was true: {_because(run, node)}"


def _after_failure(run: _Run, node: Node, record: NodeRecord) -> str:
    decisions = [
        e for e in run.node_events(node.id) if e["trigger"] in ("skip", "abort", "give_up")
    ]
    if not decisions:
        return f"it failed: {record.reason}; no decision was recorded (the run stopped first)"
    last = decisions[-1]
    at = _clock(last["at"])
    if last["trigger"] == "give_up":
        return f"it is critical, so at {at} the run ended {RunStatus.NOK}: nothing after it started"
    if last["trigger"] == "abort":
        return f"{last['operator']} chose abort at {at}: the run stopped, and can be resumed"
    return (
        f"{last['operator']} chose skip at {at}: it stays failed, so has_failed('{node.id}')"
        " is true for the nodes after it"
    )


def _why_not_started(run: _Run, node: Node) -> str:
    waiting = [
        source for source in node.upstream if run.nodes.get(source) and _unsettled(run, source)
    ]
    ends = [e for e in run.events if e["node_id"] is None and e["trigger"] in ("fail", "abort")]
    if run.record.status == RunStatus.NOK and ends:
        return f"the run ended {RunStatus.NOK} at {_clock(ends[-1]['at'])}: {ends[-1]['detail']}"
    if run.record.status == RunStatus.ABORTED and ends:
        reason = f"the run was aborted at {_clock(ends[-1]['at'])} ({ends[-1]['detail']})"
        if waiting:
            reason += " while it waited for " + _waiting(run, waiting)
        return reason + "; resuming the run runs it"
    if waiting:
        return "it waits for " + _waiting(run, waiting)
    return "every node it waits for has settled: it is next, or the run's process is gone"


def _waiting(run: _Run, node_ids: list[str]) -> str:
    return ", ".join(f"{node_id} ({_outcome(run, node_id, named=False)})" for node_id in node_ids)


def _unsettled(run: _Run, node_id: str) -> bool:
    record = run.nodes[node_id]
    state = NodeState(record.state)
    if state is NodeState.FAILED:
        return record.decision != "skip"
    return state not in (NodeState.OK, NodeState.SKIPPED)


def _history(run: _Run, node_id: str) -> list[str]:
    """The node's transitions, with the run's aborts and resumes in between."""
    lines = []
    attempt = 0
    started = False
    for event in run.events:
        mine = event["node_id"] == node_id
        if event["node_id"] is None and started and event["trigger"] in _RUN_HISTORY:
            lines.append(f"{_clock(event['at'])}  {_RUN_HISTORY[event['trigger']]}")
            continue
        if not mine or event["trigger"] not in _HISTORY:
            continue
        started = True
        if event["trigger"] in ("start", "retry"):
            attempt += 1
        decision = event["source"] == event["dest"] and event["trigger"] in ("skip", "abort")
        if decision:
            text = f"{event['operator']} chose {event['trigger']}"
        else:
            text = _HISTORY[event["trigger"]].format(attempt=attempt)
        # A decision's and a retry's detail is the decision itself, already said.
        if event["detail"] and not decision and event["trigger"] != "retry":
            text += f": {event['detail']}"
        lines.append(f"{_clock(event['at'])}  {text}")
    return lines


def _clock(stamp: str) -> str:
    """A stored UTC time as the local wall-clock time an operator reads it."""
    return dt.datetime.fromisoformat(stamp).astimezone().strftime("%H:%M:%S")
