"""Whether a run still has a next step, which decides whether "Continue with the next step?" is
asked after a success.

A pending node may still run unless it says `skip = true` or its condition is already false with
the outcomes known now (the node that just succeeded counted as succeeded). A condition that
needs an outcome not known yet, or that may fail to evaluate, counts as "may run": the question
is asked whenever a next step is possible.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from playbook.compiler.ast import Literal
from playbook.compiler.evaluation import ConditionError, Evaluator, Unknown, node_outcomes
from playbook.compiler.ir import Node, NodeState, Program
from playbook.diagnostics import PlaybookError
from playbook.runtime.rendering import Renderer

SETTLED = frozenset({NodeState.OK, NodeState.FAILED, NodeState.SKIPPED})
_NOT_KNOWN_YET = Unknown(Literal(None))


def next_step_may_run(
    program: Program,
    renderer: Renderer,
    values: Mapping[str, Any],
    states: Mapping[str, NodeState],
    attempts: Mapping[str, int],
    current: Node,
) -> bool:
    """Whether a node not yet started may still run once `current` has succeeded."""
    outcomes = node_outcomes(states, attempts)

    def known(function: str, node_id: str) -> bool | Unknown:
        if node_id == current.id:
            return function in ("has_succeeded", "has_run")
        if states[node_id] not in SETTLED:
            return _NOT_KNOWN_YET
        return outcomes(function, node_id)

    evaluator = Evaluator(values, known)
    order = program.order
    start = program.positions[current.id]
    # From `current` on, in the IR's order: in a chain the very next node decides at once.
    for offset in range(1, len(order)):
        node_id = order[(start + offset) % len(order)]
        if states[node_id] is not NodeState.PENDING:
            continue
        try:
            rendered = renderer.node(program.node(node_id))
            if rendered.skip:
                continue
            if rendered.trigger is None:
                return True
            verdict = evaluator.truth(rendered.trigger.expr)
        except (ConditionError, PlaybookError):
            return True
        if verdict is True or (
            isinstance(verdict, Unknown) and (True in verdict.truths or verdict.may_fail)
        ):
            return True
    return False
