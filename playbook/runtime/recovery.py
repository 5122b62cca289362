"""Before a resumed run schedules anything: keep what completed, reopen what did not.

A node that completed (ok, skipped, or failed and skipped by the operator) stays as it is. A node
left running by a process that died has its attempt closed as interrupted. Every other unfinished
node goes back to pending, to run again, unless it was removed from the runbook since the run
started (`resume --force`): that one is skipped, so the run's summary and status agree.
"""

from __future__ import annotations

from collections.abc import Mapping

from playbook.compiler.ir import NodeState, Program
from playbook.runtime.machine import NodeMachine
from playbook.runtime.outcome import AttemptOutcome
from playbook.runtime.store import NodeRecord

LOST = "the run's process ended during this attempt"
REMOVED = "removed from the runbook"


def recover(program: Program, records: Mapping[str, NodeRecord], nodes: NodeMachine) -> set[str]:
    """The ids of the runbook's nodes that stay settled; every other one is pending afterwards."""
    settled = set()
    current = {node.id for node in program.nodes}
    for node_id, record in records.items():
        state = NodeState(record.state)
        if state in (NodeState.OK, NodeState.SKIPPED) or (
            state is NodeState.FAILED and record.decision == "skip"
        ):
            if node_id in current:
                settled.add(node_id)
            continue
        if state is NodeState.RUNNING:
            outcome = AttemptOutcome(status=NodeState.INTERRUPTED, exception=LOST)
            nodes.fire(node_id, "interrupt", attempt=record.attempts, outcome=outcome, reason=LOST)
        if state is not NodeState.PENDING:
            nodes.fire(node_id, "reset")
        if node_id not in current:
            nodes.fire(node_id, "skip", reason=REMOVED)
    return settled
