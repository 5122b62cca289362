"""The state machines the runtime builds with `transitions`, in their plain-dict form.

One machine per node attempt history and one per run. Carried in the IR so the runtime and
the diagrams read the same definition.
"""

from __future__ import annotations

from typing import Any

NODE_MACHINE: dict[str, Any] = {
    "initial": "pending",
    "states": ["pending", "running", "ok", "failed", "skipped", "interrupted"],
    "terminal": ["ok", "failed", "skipped"],
    "transitions": [
        {"trigger": "start", "source": "pending", "dest": "running"},
        {"trigger": "succeed", "source": "running", "dest": "ok"},
        {"trigger": "fail", "source": "running", "dest": "failed"},
        {"trigger": "retry", "source": "failed", "dest": "running"},
        {"trigger": "skip", "source": "pending", "dest": "skipped"},
        # A condition or template that cannot be evaluated fails the node without running it.
        {"trigger": "reject", "source": "pending", "dest": "failed"},
        {"trigger": "interrupt", "source": "running", "dest": "interrupted"},
        # A resumed run re-runs what did not complete.
        {"trigger": "reset", "source": ["failed", "interrupted", "running"], "dest": "pending"},
    ],
}

RUN_MACHINE: dict[str, Any] = {
    "initial": "RUNNING",
    "states": ["RUNNING", "OK", "NOK", "ABORTED"],
    "terminal": ["OK", "NOK"],
    "transitions": [
        {"trigger": "complete", "source": "RUNNING", "dest": "OK"},
        {"trigger": "fail", "source": "RUNNING", "dest": "NOK"},
        {"trigger": "abort", "source": "RUNNING", "dest": "ABORTED"},
        {"trigger": "resume", "source": "ABORTED", "dest": "RUNNING"},
    ],
}


def machine_definition() -> dict[str, Any]:
    return {"node": NODE_MACHINE, "run": RUN_MACHINE}
