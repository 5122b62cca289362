"""One executor per node type: each makes one attempt of a rendered node and reports its outcome.

Executors run a node's work and nothing else: the interpreter records transitions, asks the
`prompt_before`/`prompt_after` questions and decides what a failure means. Command and Function
attempts may run on worker threads, several at a time; an attempt that needs the operator (a
Manual approval, an interactive command) runs on the interpreter's own thread, and an interactive
command runs alone.
"""

from __future__ import annotations

from playbook.compiler.ir import CommandNode, FunctionNode, ManualNode, Node
from playbook.runtime.executors.command import run_command_node
from playbook.runtime.executors.context import Context
from playbook.runtime.executors.function import call_function
from playbook.runtime.executors.manual import approve
from playbook.runtime.outcome import AttemptOutcome

__all__ = ["Context", "execute", "needs_operator", "owns_terminal"]


def execute(node: Node, context: Context) -> AttemptOutcome:
    """One attempt of `node`, whose templates are already rendered."""
    match node:
        case ManualNode():
            return approve(node, context)
        case CommandNode():
            return run_command_node(node, context)
        case FunctionNode():
            return call_function(node, context)


def needs_operator(node: Node) -> bool:
    """Whether the attempt talks to the operator, and so runs on the interpreter's thread."""
    return isinstance(node, ManualNode) or owns_terminal(node)


def owns_terminal(node: Node) -> bool:
    """Whether the attempt takes over the terminal, so nothing else may run beside it."""
    return isinstance(node, CommandNode) and node.interactive
