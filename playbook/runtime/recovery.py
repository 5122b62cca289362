"""Before a resumed run schedules anything: keep what completed, reopen what did not.

A node that completed (ok, skipped, or failed and skipped by the operator) stays as it is. A node
left running by a process that died has its attempt closed as interrupted. Every other unfinished
node goes back to pending, to run again.
"""

from __future__ import annotations

from collections.abc import Mapping

from playbook.compiler.ir import NodeState, Program
from playbook.runtime.machine import NodeMachine
from playbook.runtime.outcome import AttemptOutcome
from playbook.runtime.store import NodeRecord

LOST = "the run's process ended during this attempt"


def recover(program: Program, records: Mapping[str, NodeRecord], nodes: NodeMachine) -> set[str]:
    """The ids of the nodes that stay settled; every other node is pending afterwards."""
    settled = set()
    for node in program.nodes:
        record = records[node.id]
        state = NodeState(record.state)
        if state in (NodeState.OK, NodeState.SKIPPED) or (
            state is NodeState.FAILED and record.decision == "skip"
        ):
            settled.add(node.id)
            continue
        if state is NodeState.RUNNING:
            outcome = AttemptOutcome(status=NodeState.INTERRUPTED, exception=LOST)
            nodes.fire(node.id, "interrupt", attempt=record.attempts, outcome=outcome, reason=LOST)
        if state is not NodeState.PENDING:
            nodes.fire(node.id, "reset")
    return settled
