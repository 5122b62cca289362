"""One owner per run: the process that drives it holds a lock that ends with it.

`run` and `resume` take the run's lock and hold it until they stop: with SQLite an `flock` on a
file beside the database, which the kernel releases however the process ends; with PostgreSQL a
session-level advisory lock, which the server releases when the owner's connection ends. So a
run that says RUNNING while its lock is free has lost its owner: it is orphaned. A run waiting
hours at a question keeps its lock, so it is never mistaken for one. Who the owner is
(operator, host, process, since when) is written to the database for the messages that name it;
the lock alone decides.

`set-status --force` on an owned run asks the owner to stop: the request is recorded, and the
owner reads it when it next starts an attempt (and gets SIGTERM when it runs on this host), so
two processes never write one run.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

#: Names the host recorded as a run's owner, instead of the machine's own name: for machines
#: whose names are not stable or unique (containers), and for tests that play two machines.
HOST_VARIABLE = "PLAYBOOK_HOSTNAME"


@dataclass(frozen=True)
class Owner:
    """The process driving a run, as recorded with it."""

    operator: str
    host: str
    pid: int
    since: str

    def describe(self) -> str:
        return f"{self.operator} on {self.host} (process {self.pid}) since {self.since}"


def this_host() -> str:
    """The host name this process records as a run's owner, and compares owners with."""
    return os.environ.get(HOST_VARIABLE) or socket.gethostname()


class RunOwned(Exception):
    """The run has a live owner (None when it could not be named)."""

    def __init__(self, owner: Owner | None) -> None:
        super().__init__(owner.describe() if owner else "another process")
        self.owner = owner


class StopRequested(Exception):
    """`set-status --force` asked this run to stop (the argument says who): it aborts."""

    def __init__(self, by: str) -> None:
        super().__init__(f"stop requested by {by}")
