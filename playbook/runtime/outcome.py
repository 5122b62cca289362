"""What one attempt of a node produced: made by the executors, written by the store."""

from __future__ import annotations

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
        if self.result is not None and self.succeeded:
            parts.append(f"result: {self.result}")
        if self.duration_s is not None:
            parts.append(f"{self.duration_s:.2f} s")
        return " · ".join(parts)
