"""A Manual node: the operator does the work, and approves it by answering `prompt_after`."""

from __future__ import annotations

import json

from playbook.compiler.ir import ManualNode, NodeState
from playbook.runtime.executors.context import Context
from playbook.runtime.outcome import AttemptOutcome


def approve(node: ManualNode, context: Context) -> AttemptOutcome:
    if context.prompter.confirm(node.prompt_after):
        return AttemptOutcome(status=NodeState.OK, result=json.dumps("approved"))
    return AttemptOutcome(status=NodeState.FAILED, exception=f"not approved: {node.prompt_after}")
