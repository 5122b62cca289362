"""The record of a run: every transition written to the state database, and told to the log.

The machines hand each transition here before the work it allows begins. Log messages: run
start and end and the operator's decisions at INFO, node transitions at DEBUG, problems at
WARNING; the log's handlers redact them, as the store redacts what it writes.
"""

from __future__ import annotations

import logging
from typing import Any

from playbook.runtime.store import Store
from playbook.settings.logs import RUN_LOGGER

log = logging.getLogger(RUN_LOGGER)


class Journal:
    def __init__(self, store: Store, run_id: int, operator: str) -> None:
        self.store = store
        self.run_id = run_id
        self.operator = operator

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
            log.log(level, "run %d: %s", self.run_id, message)
