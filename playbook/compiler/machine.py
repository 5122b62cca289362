"""The state machines of a run, in `transitions`' plain-dict form, carried in the IR.

They are the rules, not a picture of them: the runtime builds its `transitions` machines from
this section and asks them what may happen. A transition whose `conditions` (all must hold) or
`unless` (none may hold) name a rule is only possible while the rule says so; the runtime
supplies the rules under these names (`playbook/runtime/rules.py`). Where several transitions
share a trigger, the first possible one is taken. Diagrams and golden files show the same
definition the interpreter runs.
"""

from __future__ import annotations

from typing import Any

from playbook.compiler.ir import NodeState, RunStatus

PENDING, RUNNING, OK, FAILED, SKIPPED, INTERRUPTED = (state.value for state in NodeState)

NODE_MACHINE: dict[str, Any] = {
    "initial": PENDING,
    "states": [state.value for state in NodeState],
    "transitions": [
        # A ready node whose condition holds starts its first attempt; one whose condition is
        # false, or that says skip = true, is skipped; one whose condition or template cannot
        # be evaluated fails closed, without an attempt.
        {"trigger": "start", "source": PENDING, "dest": RUNNING},
        {"trigger": "skip", "source": PENDING, "dest": SKIPPED},
        {"trigger": "reject", "source": PENDING, "dest": FAILED},
        {"trigger": "succeed", "source": RUNNING, "dest": OK},
        {"trigger": "fail", "source": RUNNING, "dest": FAILED},
        {"trigger": "interrupt", "source": RUNNING, "dest": INTERRUPTED},
        # The run stopped at an attempt's question, before its work began: nothing was done.
        {"trigger": "withdraw", "source": RUNNING, "dest": PENDING},
        # The operator's answers to a failure, each offered only while its rules allow it.
        # Retry: attempts are left in this session and the failure came from an attempt.
        {"trigger": "retry", "source": FAILED, "dest": RUNNING, "conditions": ["retryable"]},
        # Skip: the failure stands (has_failed stays true) and the run goes on past it.
        {"trigger": "skip", "source": FAILED, "dest": None, "unless": ["critical"]},
        # Abort: the run stops, resumable.
        {"trigger": "abort", "source": FAILED, "dest": None},
        # A critical node that can no longer be retried ends the run NOK, without a question.
        {
            "trigger": "give_up",
            "source": FAILED,
            "dest": None,
            "conditions": ["critical"],
            "unless": ["retryable"],
        },
        # A resumed run runs a failed node again. An interrupted node's outcome is unknown: it
        # runs again by itself only when it is idempotent; otherwise the operator decides.
        {"trigger": "reset", "source": FAILED, "dest": PENDING},
        {"trigger": "reset", "source": INTERRUPTED, "dest": PENDING, "conditions": ["idempotent"]},
        {"trigger": "rerun", "source": INTERRUPTED, "dest": PENDING},
        {"trigger": "mark_ok", "source": INTERRUPTED, "dest": OK},
        {"trigger": "mark_failed", "source": INTERRUPTED, "dest": FAILED},
        # A node removed from the runbook before it completed (`resume --force`) cannot run.
        {"trigger": "remove", "source": [PENDING, FAILED, INTERRUPTED], "dest": SKIPPED},
    ],
}

RUN_MACHINE: dict[str, Any] = {
    "initial": RunStatus.RUNNING.value,
    "states": [status.value for status in RunStatus],
    "transitions": [
        # Every node settled: OK only when none ended failed.
        {
            "trigger": "finish",
            "source": RunStatus.RUNNING.value,
            "dest": RunStatus.OK.value,
            "unless": ["any_failed"],
        },
        {"trigger": "finish", "source": RunStatus.RUNNING.value, "dest": RunStatus.NOK.value},
        # A critical node gave up: the run ends at once.
        {"trigger": "fail", "source": RunStatus.RUNNING.value, "dest": RunStatus.NOK.value},
        # Abort, CTRL-C, SIGTERM or closed input: resumable.
        {"trigger": "abort", "source": RunStatus.RUNNING.value, "dest": RunStatus.ABORTED.value},
        # Only an aborted run resumes.
        {"trigger": "resume", "source": RunStatus.ABORTED.value, "dest": RunStatus.RUNNING.value},
    ],
}


def machine_definition() -> dict[str, Any]:
    return {"node": NODE_MACHINE, "run": RUN_MACHINE}
