"""A Command node: its shell command, with live output, a captured record and a time limit."""

from __future__ import annotations

import functools

from playbook.compiler.ir import CommandNode, NodeState
from playbook.runtime.commands import run_command
from playbook.runtime.executors.context import Context
from playbook.runtime.outcome import AttemptOutcome


def run_command_node(node: CommandNode, context: Context) -> AttemptOutcome:
    timeout = node.timeout if isinstance(node.timeout, int) else context.default_timeout or None
    try:
        result = run_command(
            node.command_name,
            timeout=timeout,
            env={**context.environment, b"PLAYBOOK_NODE_ID": node.id.encode()},
            write=functools.partial(context.output, node.id),
            redact=context.redact,
            interactive=node.interactive,
            cancelled=context.cancelled,
            guard=context.guard,
        )
    except OSError as error:
        # The system refused to start it (an environment too large, /bin/sh missing): the node
        # fails like a command that cannot do its work, and the operator decides what next.
        problem = f"cannot start the command: {error.strerror or error}"
        return AttemptOutcome(status=NodeState.FAILED, exception=problem)
    if result.interrupted:
        status, problem = NodeState.INTERRUPTED, "interrupted: the run stopped"
    elif result.timed_out:
        status, problem = NodeState.FAILED, f"timed out after {timeout:g} s"
    elif result.exit_code != 0:
        status, problem = NodeState.FAILED, f"exit code {result.exit_code}"
    else:
        status, problem = NodeState.OK, None
    return AttemptOutcome(
        status=status,
        exit_code=result.exit_code,
        stdout=result.stdout,
        stderr=result.stderr,
        exception=problem,
        duration_s=result.duration_s,
    )
