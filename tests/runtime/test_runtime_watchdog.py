"""The watchdog: what it ends when its runner is gone, and what it leaves alone.

The whole path (a runner killed in the middle of a command) is in test_runtime_durability;
these tests drive the watchdog directly, as the runner does: with real process groups, and with
its `kill` replaced by a function that says what it would signal.
"""

from __future__ import annotations

import signal
import subprocess

import pytest
from cli_support import Processes

from playbook.runtime import watchdog
from playbook.runtime.watchdog import Watchdog


def groups(processes: Processes, count: int) -> list[subprocess.Popen[bytes]]:
    """`count` commands, each the leader of a process group of its own, as commands run."""
    return [processes.spawn(["sleep", "300"]) for _ in range(count)]


def runner_gone(dog: Watchdog) -> None:
    """What the watchdog sees of a killed runner: its pipe closes without a goodbye."""
    dog._pipe.close()
    dog._process.wait(timeout=10)


def ended_by(command: subprocess.Popen[bytes]) -> int:
    """The signal that ended `command`."""
    return -command.wait(timeout=10)


def still_running(command: subprocess.Popen[bytes]) -> bool:
    try:
        command.wait(timeout=0.5)
    except subprocess.TimeoutExpired:
        return True
    return False


@pytest.mark.slow
def test_when_the_runner_is_gone_the_groups_still_listed_end(
    processes: Processes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watchdog, "GRACE_S", 0.3)
    first, released, last = groups(processes, 3)
    dog = Watchdog()
    for command in (first, released, last):
        dog.guard(command.pid)
    dog.release(released.pid)
    runner_gone(dog)
    assert (ended_by(first), ended_by(last)) == (signal.SIGTERM, signal.SIGTERM)
    assert still_running(released)


@pytest.mark.slow
def test_a_group_that_ignores_sigterm_is_killed_after_the_grace(
    processes: Processes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watchdog, "GRACE_S", 0.3)
    command = ["/bin/sh", "-c", "trap '' TERM; echo ignoring; exec sleep 300"]
    stubborn = processes.spawn(command, stdout=subprocess.PIPE)
    assert stubborn.stdout is not None
    assert stubborn.stdout.readline() == b"ignoring\n"  # SIGTERM ignored from here on
    dog = Watchdog()
    dog.guard(stubborn.pid)
    runner_gone(dog)
    assert ended_by(stubborn) == signal.SIGKILL


@pytest.mark.slow
def test_a_run_that_ends_normally_leaves_every_group_alone(processes: Processes) -> None:
    (command,) = groups(processes, 1)
    dog = Watchdog()
    dog.guard(command.pid)
    dog.close()  # says goodbye, then closes the pipe
    assert dog._process.returncode == 0
    assert still_running(command)


def signals_given(processes: Processes, said: list[str], grace_tenths: int = 0) -> list[str]:
    """The `kill` commands the watchdog gives after the runner said `said` and was gone. Its
    `kill` is a function that prints them: no process is signalled, and the groups may be
    numbers above the largest pid Linux allows (2**22)."""
    done = processes.run(
        ["/bin/sh", "-c", 'kill() { echo "kill $*"; }; . "$0"', watchdog.SCRIPT, grace_tenths],
        input="".join(f"{line}\n" for line in said),
    )
    assert (done.returncode, done.stderr) == (0, "")
    return done.stdout.splitlines()


def ended(*groups: int) -> list[str]:
    """What the watchdog does to `groups` with no grace: SIGTERM to each, then SIGKILL."""
    return [f"kill -{name} -{group}" for name in ("TERM", "KILL") for group in groups]


@pytest.mark.parametrize(
    ("said", "signalled"),
    [
        (["+5000001", "+5000002"], ended(5000001, 5000002)),
        # Releasing one group leaves those whose numbers contain its own.
        (["+5000001", "+50000011", "+15000001", "-5000001"], ended(50000011, 15000001)),
        (["+5000001", "+5000002", "-5000002", "-5000002", "-5000003"], ended(5000001)),
        (["+5000001", "-5000001", "+5000001"], ended(5000001)),
        # A group listed twice is released once for each listing.
        (["+5000001", "+5000002", "+5000001", "-5000001"], ended(5000002, 5000001)),
        # What names no command's group is not listed. "+0" would name the watchdog's own
        # group. No test says "+1": a watchdog that listed it would signal every process there
        # is (kill -- -1), should its `kill` not be the test's.
        (["+0", "+00", "+", "+12x", "+-5000001", "+5000001"], ended(5000001)),
        # Nothing left to end.
        (["+5000001", "-5000001"], []),
        (["+5000001", "bye"], []),
    ],
)
def test_the_watchdog_ends_each_group_listed_and_not_released(
    processes: Processes, said: list[str], signalled: list[str]
) -> None:
    assert signals_given(processes, said) == signalled


def test_the_groups_get_the_grace_to_end_before_sigkill(processes: Processes) -> None:
    """While any group is alive (here: always), it checks every tenth of a second."""
    assert signals_given(processes, ["+5000001", "+5000002"], grace_tenths=3) == [
        "kill -TERM -5000001",
        "kill -TERM -5000002",
        *["kill -0 -5000001"] * 3,
        "kill -KILL -5000001",
        "kill -KILL -5000002",
    ]
