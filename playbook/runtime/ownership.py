"""One owner per run: the process that drives it holds a lock the operating system keeps.

`run` and `resume` take an exclusive `flock` on the run's lock file, in a folder beside the
state database, and hold it until they stop. The kernel releases it when the process ends,
however it ends (SIGKILL and reboots included), so a run that says RUNNING while its lock is free
has lost its owner: it is orphaned. A run waiting hours at a question keeps its lock, so it is
never mistaken for one. Who the owner is (operator, host, process, since when) is written to
the database for the messages that name it; the lock alone decides.

`set-status --force` on an owned run asks the owner to stop: the request is recorded, and the
owner reads it when it next starts an attempt (and gets SIGTERM when it runs on this host), so
two processes never write one run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Owner:
    """The process driving a run, as recorded with it."""

    operator: str
    host: str
    pid: int
    since: str

    def describe(self) -> str:
        return f"{self.operator} on {self.host} (process {self.pid}) since {self.since}"


class RunLock:
    """The lock of one run; held from `acquire` until `release` or the process's end."""

    def __init__(self, folder: Path, run_id: int) -> None:
        self.path = folder / f"run-{run_id}.lock"
        self._descriptor: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process holds it."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self._descriptor = descriptor
        return True

    def is_held_elsewhere(self) -> bool:
        """Whether a live process (another one, or another lock of this one) holds the lock."""
        try:
            descriptor = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(descriptor)
        return False

    def release(self) -> None:
        if self._descriptor is not None:
            with contextlib.suppress(OSError):
                os.close(self._descriptor)
            self._descriptor = None


class RunOwned(Exception):
    """The run has a live owner (None when it could not be named)."""

    def __init__(self, owner: Owner | None) -> None:
        super().__init__(owner.describe() if owner else "another process")
        self.owner = owner


class StopRequested(Exception):
    """`set-status --force` asked this run to stop (the argument says who): it aborts."""

    def __init__(self, by: str) -> None:
        super().__init__(f"stop requested by {by}")
