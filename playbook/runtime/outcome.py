"""What one attempt of a node produced: made by the executors, written by the store."""

from __future__ import annotations

import json
from dataclasses import dataclass

from playbook.compiler.ir import NodeState


@dataclass(frozen=True)
class AttemptOutcome:
    #: ok, failed, or interrupted when the run stopped during the attempt.
    status: NodeState
    exit_code: int | None = None
    stdout: str | None = None
    stderr: str | None = None
    result: str | None = None
    exception: str | None = None
    duration_s: float | None = None
    #: Shown to the operator, not stored: e.g. a plugin's cleanup that failed after success.
    warnings: tuple[str, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.status is NodeState.OK

    def summary(self) -> str:
        """One line for the operator: the error or exit code, the result, the duration."""
        parts = []
        if self.exception:
            parts.append(self.exception)
        elif self.exit_code is not None:
            parts.append(f"exit code {self.exit_code}")
        result = self.readable_result()
        if result is not None:
            parts.append(f"result: {result}")
        if self.duration_s is not None:
            parts.append(f"{self.duration_s:.2f} s")
        return " · ".join(parts)

    def readable_result(self) -> str | None:
        """A success's result as the operator reads it: a string as itself, anything else as
        JSON; nothing when the function has just printed that very text."""
        if self.result is None or not self.succeeded:
            return None
        value = json.loads(self.result)
        text = value if isinstance(value, str) else self.result
        if self.stdout and text.strip() and self.stdout.rstrip().endswith(text.strip()):
            return None
        return text
