"""The attempts of a run as the interpreter follows them, and how each ends when the run stops.

Beyond what the database holds (how many attempts each node has had), a live run knows when
each attempt started, whether its work has begun (a question before it may still be pending),
and which attempts have returned but are not recorded yet (a success may wait for the
operator's `prompt_after` answer). When the run stops, that decides what each attempt in flight
was: not begun (withdrawn: nothing was done), ended (as it ended: a success still waiting for
its answer is a success, so resuming continues after it), or cut short (interrupted: its
outcome is unknown).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace

from playbook.compiler.ir import NodeState
from playbook.runtime.outcome import AttemptOutcome

#: The node transition that records an attempt ending with each status.
ENDING = {NodeState.OK: "succeed", NodeState.FAILED: "fail", NodeState.INTERRUPTED: "interrupt"}


class Attempts:
    def __init__(self, recorded: Mapping[str, int]) -> None:
        #: Attempts per node, recorded ones included: the next attempt's number follows.
        self.count: dict[str, int] = dict(recorded)
        #: Attempts per node since this run (or resume) started: what `--max-retries` counts.
        self.session: Counter[str] = Counter()
        self.started: dict[str, float] = {}
        #: Nodes whose current attempt's work has begun.
        self.working: set[str] = set()
        #: How each node's current attempt ended, until that end is recorded.
        self.returned: dict[str, AttemptOutcome] = {}

    def open(self, node_id: str) -> int:
        """A new attempt of `node_id`: its number."""
        self.working.discard(node_id)
        self.returned.pop(node_id, None)
        self.count[node_id] += 1
        self.session[node_id] += 1
        self.started[node_id] = time.monotonic()
        return self.count[node_id]

    def ending_on_stop(
        self, node_id: str, ended: AttemptOutcome | None, reason: str
    ) -> tuple[str, AttemptOutcome]:
        """The transition and outcome that record this node's attempt as the run stops;
        `ended` is what its work returned, if it returned."""
        outcome = ended or self.returned.get(node_id)
        stopped = AttemptOutcome(
            NodeState.INTERRUPTED,
            exception=reason,
            duration_s=time.monotonic() - self.started.get(node_id, time.monotonic()),
        )
        if outcome is None and node_id not in self.working:
            return "withdraw", replace(
                stopped, exception=f"stopped before its work began: {reason}"
            )
        if outcome is None or outcome.status is NodeState.INTERRUPTED:
            return "interrupt", replace(outcome or stopped, exception=reason)
        return ENDING[outcome.status], outcome
