"""What an executor may use besides its node: the run's environment, output and services."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from playbook.plugins import PluginRegistry
from playbook.redaction import Redactor
from playbook.runtime.commands import GroupGuard
from playbook.runtime.display import PrintedText
from playbook.runtime.prompts import Prompter

#: Shows a node's live output: (node id, "stdout" or "stderr", text).
Output = Callable[[str, str, str], None]
#: While entered, what this thread prints is the node's output: shown, and kept for the record.
Capture = Callable[[str], AbstractContextManager[PrintedText]]


@dataclass
class Context:
    run_id: int
    #: The commands' environment, encoded once per run; each command adds its own node id.
    environment: Mapping[bytes, bytes]
    #: Seconds allowed to a Command node without a `timeout` of its own; 0 = no limit.
    default_timeout: float
    output: Output
    capture: Capture
    #: Applied to a command's output before its record is cut to size, so no cut splits a secret.
    redact: Redactor
    prompter: Prompter
    registry: PluginRegistry
    #: The rendered `[runbook.plugin_config.NAME]` tables.
    plugin_configs: Mapping[str, Mapping[str, Any]]
    #: Keeps each command's process group from outliving the run.
    guard: GroupGuard | None = None
    #: Set when the run stops: running commands are interrupted.
    cancelled: threading.Event = field(default_factory=threading.Event)

    @staticmethod
    def environment_of_run(run_id: int) -> dict[bytes, bytes]:
        """This process's environment with the run's id, encoded once for all its commands."""
        environment = dict(os.environb)
        environment[b"PLAYBOOK_RUN_ID"] = str(run_id).encode()
        return environment
