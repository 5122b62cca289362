"""The watchdog: what it ends when its runner is gone, and what it leaves alone.

The whole path (a runner killed in the middle of a command) is in test_runtime_durability;
these tests drive the watchdog directly, as the runner does, with real process groups.
"""

from __future__ import annotations

import signal
import subprocess

import pytest
from cli_support import Processes

from playbook.runtime import watchdog
from playbook.runtime.watchdog import Watchdog


def groups(processes: Processes, count: int, command: str = "sleep 300") -> list[int]:
    """`count` commands, each the leader of a process group of its own, as commands run."""
    return [processes.spawn(["/bin/sh", "-c", command]).pid for _ in range(count)]


def runner_gone(dog: Watchdog) -> None:
    """What the watchdog sees of a killed runner: its pipe closes without a goodbye."""
    dog._pipe.close()
    dog._process.wait(timeout=10)


def ended_by(processes: Processes, group: int) -> int | None:
    """The signal that ended the command leading `group` (None: still running)."""
    (process,) = [p for p in processes.started if p.pid == group]
    try:
        code = process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        return None
    return -code


@pytest.mark.slow
def test_when_the_runner_is_gone_the_groups_still_listed_end(processes: Processes) -> None:
    first, released, last = groups(processes, 3)
    dog = Watchdog()
    for group in (first, released, last):
        dog.guard(group)
    dog.release(released)
    runner_gone(dog)
    assert ended_by(processes, first) == signal.SIGTERM
    assert ended_by(processes, last) == signal.SIGTERM
    assert processes.started[1].poll() is None  # released: no longer the watchdog's to end


@pytest.mark.slow
def test_a_group_that_ignores_sigterm_is_killed_after_the_grace(
    processes: Processes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watchdog, "GRACE_S", 0.3)
    command = ["/bin/sh", "-c", "trap '' TERM; echo ignoring; exec sleep 300"]
    stubborn = processes.spawn(command, stdout=subprocess.PIPE, text=True)
    assert stubborn.stdout is not None
    assert stubborn.stdout.readline() == "ignoring\n"  # SIGTERM ignored from here on
    dog = Watchdog()
    dog.guard(stubborn.pid)
    runner_gone(dog)
    assert ended_by(processes, stubborn.pid) == signal.SIGKILL


@pytest.mark.slow
def test_a_run_that_ends_normally_leaves_every_group_alone(processes: Processes) -> None:
    (group,) = groups(processes, 1)
    dog = Watchdog()
    dog.guard(group)
    dog.close()  # says goodbye, then closes the pipe
    assert dog._process.returncode == 0
    assert processes.started[0].poll() is None


@pytest.mark.parametrize(
    ("said", "ended"),
    [
        # Releasing one group leaves those whose numbers contain its own.
        (["+5000001", "+50000011", "+15000001", "-5000001"], "50000011 15000001"),
        (["+5000001", "+5000002", "-5000002", "-5000002", "-5000003"], "5000001"),
        (["+5000001", "-5000001", "+5000001"], "5000001"),
        # A group listed twice is released once for each listing.
        (["+5000001", "+5000002", "+5000001", "-5000001"], "5000002 5000001"),
        # What names no command's group is not listed. "+0" would name the watchdog's own
        # group, in a session of its own here. No test says "+1": a watchdog that listed it
        # would signal every process there is (kill -- -1).
        (["+0", "+00", "+", "+12x", "+-5000001", "+5000001"], "5000001"),
    ],
)
def test_the_watchdog_lists_each_group_until_it_is_released(
    processes: Processes, said: list[str], ended: str
) -> None:
    """Groups numbered above the largest pid Linux allows (2**22): none exists, so the
    watchdog's report is all there is to see."""
    done = processes.run(
        ["/bin/sh", watchdog.SCRIPT, "0"], input="".join(f"{line}\n" for line in said)
    )
    assert done.stderr == f"playbook watchdog: the runner is gone; ending process groups {ended}\n"


def test_a_runner_gone_with_no_group_listed_ends_nothing(processes: Processes) -> None:
    done = processes.run(["/bin/sh", watchdog.SCRIPT, "0"], input="+5000001\n-5000001\n")
    assert (done.returncode, done.stderr) == (0, "")
