"""The record of a run: every transition written to the state database, and told to the log.

The machines hand each transition here before the work it allows begins. Log messages go
through the run's secret redaction: run start and end and the operator's decisions at INFO,
node transitions at DEBUG, problems at WARNING.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from playbook.runtime.store import Store

log = logging.getLogger("playbook.run")


class Journal:
    def __init__(
        self, store: Store, run_id: int, operator: str, redact: Callable[[str], str]
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.operator = operator
        self.redact = redact

    def node(self, node_id: str, trigger: str, source: str, dest: str, **details: Any) -> None:
        self.store.record_transition(
            self.run_id, node_id, trigger, source, dest, self.operator, **details
        )
        if log.isEnabledFor(logging.DEBUG):
            reason = details.get("reason")
            because = f": {reason}" if reason else ""
            self.log(logging.DEBUG, f"node {node_id!r} {source} → {dest} ({trigger}{because})")

    def run(self, trigger: str, source: str, dest: str, **details: Any) -> None:
        self.store.set_run_status(self.run_id, trigger, source, dest, self.operator, **details)

    def log(self, level: int, message: str) -> None:
        if log.isEnabledFor(level):
            log.log(level, "run %d: %s", self.run_id, self.redact(message))
