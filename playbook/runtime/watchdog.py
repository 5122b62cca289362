"""Commands that must not outlive their run: a watchdog process ends them if the runner dies.

A command runs in a process group of its own, so CTRL-C at the terminal does not reach it
directly and the runner can stop all of it. The other side of that: if the runner is killed
(SIGKILL, the OOM killer), nothing stops the group. So each run starts one small watchdog
process, in a session of its own, and tells it over a pipe which groups are running ("+PGID",
"-PGID"). When the pipe closes without a goodbye ("bye") — the runner died — the watchdog sends
SIGTERM to every group still listed, then SIGKILL to what is left.

Run as `python -P -m playbook.runtime.watchdog`; it imports nothing but the standard library.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

#: After SIGTERM, how long the orphaned groups get before SIGKILL.
GRACE_S = 2.0


class Watchdog:
    """The runner's side: start the watchdog, tell it about each command's group."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            # -P: not the working directory first on the path, where an operator's own
            # `playbook.py` would be imported (and run) in place of Playbook.
            [sys.executable, "-P", "-m", "playbook.runtime.watchdog"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
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


def watch() -> None:
    """Read the runner's messages until the pipe closes; end the groups left if it died."""
    for number in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)
    groups: set[int] = set()
    said_goodbye = False
    for raw in sys.stdin.buffer:
        line = raw.strip()
        if line == b"bye":
            said_goodbye = True
        elif line[:1] == b"+":
            groups.add(int(line[1:]))
        elif line[:1] == b"-":
            groups.discard(int(line[1:]))
    if said_goodbye or not groups:
        return
    _signal_all(groups, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while time.monotonic() < deadline and any(_alive(group) for group in groups):
        time.sleep(0.05)
    _signal_all(groups, signal.SIGKILL)


def _signal_all(groups: set[int], number: signal.Signals) -> None:
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, number)


def _alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


if __name__ == "__main__":
    watch()
