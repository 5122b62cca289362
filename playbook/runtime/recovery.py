"""Before a resumed run schedules anything: keep what completed, reopen what did not.

A node that completed (ok, skipped, or failed and settled by the operator) stays as it is. A node
that failed runs again. An attempt that started but never finished (the run was interrupted, or
its process died) has an unknown outcome: it may have done its work. Such a node runs again by
itself only when it is declared `idempotent`; otherwise the operator says whether to run it
again or to record it as succeeded or failed — and without an answer nothing runs.

A node removed from the runbook since the run started (`resume --force`) cannot run: if it had
not completed it is skipped, so the run's summary and status agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from playbook.compiler.ir import Node, NodeState, Program
from playbook.runtime.machine import NodeMachine
from playbook.runtime.outcome import AttemptOutcome
from playbook.runtime.rules import NodeFacts
from playbook.runtime.store import NodeRecord

LOST = "the run's process ended during this attempt"
REMOVED = "removed from the runbook"
#: Decisions after which a failed node is settled: the run goes on past its failure.
SETTLING_DECISIONS = frozenset({"skip", "mark_failed"})

#: Asks the operator about a node whose last attempt's outcome is unknown; returns the
#: transition chosen: rerun, mark_ok or mark_failed.
Ask = Callable[[Node, NodeRecord], str]


def recover(
    program: Program, records: Mapping[str, NodeRecord], nodes: NodeMachine, ask: Ask
) -> set[str]:
    """The ids of the runbook's nodes that stay settled; every other one is pending afterwards."""
    settled = set()
    for node_id, record in records.items():
        state = NodeState(record.state)
        if state is NodeState.RUNNING:
            outcome = AttemptOutcome(status=NodeState.INTERRUPTED, exception=LOST)
            nodes.fire(node_id, "interrupt", attempt=record.attempts, outcome=outcome, reason=LOST)
            state = NodeState.INTERRUPTED
        node = program.nodes_by_id.get(node_id)
        unfinished = state in (NodeState.PENDING, NodeState.INTERRUPTED) or (
            state is NodeState.FAILED and record.decision not in SETTLING_DECISIONS
        )
        if node is None:
            if unfinished:
                nodes.fire(node_id, "remove", reason=REMOVED)
        elif not unfinished:
            settled.add(node_id)
        elif state is NodeState.FAILED:
            nodes.fire(node_id, "reset")
        elif state is NodeState.INTERRUPTED:
            _reopen_interrupted(node, record, nodes, ask)
            if nodes.states[node_id] is not NodeState.PENDING:
                settled.add(node_id)
    return settled


def _reopen_interrupted(node: Node, record: NodeRecord, nodes: NodeMachine, ask: Ask) -> None:
    """Pending again when idempotent or when the operator says so; else recorded as told."""
    facts = NodeFacts(idempotent=node.idempotent)
    if nodes.allows(node.id, "reset", facts):
        nodes.fire(node.id, "reset", facts)
        return
    answer = ask(node, record)
    nodes.fire(node.id, answer, decision=answer)
