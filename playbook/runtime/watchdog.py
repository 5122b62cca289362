"""Commands that must not outlive their run: a watchdog process ends them if the runner dies.

A command runs in a process group of its own, so CTRL-C at the terminal does not reach it
directly and the runner can stop all of it. The other side of that: if the runner is killed
(SIGKILL, the OOM killer), nothing stops the group. So each run starts one small watchdog
process, in a session of its own, and tells it over a pipe which groups are running ("+PGID",
"-PGID"). When the pipe closes without a goodbye ("bye") — the runner died — the watchdog sends
SIGTERM to every group still listed, then SIGKILL to what is left.

The watchdog is `watchdog.sh`, run by /bin/sh: every run starts one, and a shell starts in a
fraction of the time a Python interpreter takes.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from pathlib import Path

#: After SIGTERM, how long the orphaned groups get before SIGKILL.
GRACE_S = 2.0
SCRIPT = Path(__file__).with_name("watchdog.sh")


class Watchdog:
    """The runner's side: start the watchdog, tell it about each command's group."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            ["/bin/sh", str(SCRIPT), str(round(GRACE_S * 10))],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            cwd="/",  # it holds no folder of the operator's, and runs nothing found there
        )
        assert self._process.stdin is not None
        self._pipe = self._process.stdin
        self._lock = threading.Lock()  # commands start and end on several worker threads

    def guard(self, group: int) -> None:
        self._send(f"+{group}")

    def release(self, group: int) -> None:
        self._send(f"-{group}")

    def close(self) -> None:
        """The run ended normally: the watchdog leaves every group alone and exits."""
        self._send("bye")
        with contextlib.suppress(OSError):
            self._pipe.close()
        self._process.wait()

    def _send(self, line: str) -> None:
        # A watchdog that is gone (killed by hand) costs the run its protection, not its life.
        with self._lock, contextlib.suppress(OSError, ValueError):
            self._pipe.write(line.encode() + b"\n")
            self._pipe.flush()
