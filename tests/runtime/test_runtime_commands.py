"""Command nodes: timeouts that kill whole process trees, huge and non-UTF-8 output."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from runtime_support import Workspace

from playbook.redaction import Redactor
from playbook.runtime.commands import CAPTURE_HEAD, CAPTURE_TAIL, Stopped, run_command


def alive(pid: int) -> bool:
    """True while `pid` is a live process (a zombie waiting to be reaped counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_a_timeout_kills_every_process_the_command_started(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Hanging command"

        [hang]
        type = "Command"
        timeout = 1
        prompt_after = ""
        # A child, and a grandchild that ignores SIGTERM (it needs the SIGKILL that follows).
        command_name = '''
        sleep 60 & echo $! >> "$FAKE_STATE/pids"
        sh -c 'trap "" TERM; sleep 60 & echo $! >> "$FAKE_STATE/pids"; wait' &
        echo $! >> "$FAKE_STATE/pids"
        echo "waiting for children"
        wait
        '''
        """
    )
    started = time.monotonic()
    result = ws.run(file, answers="s\n")
    assert result.code == 1, result.text
    assert time.monotonic() - started < 15
    assert "waiting for children" in result.stdout
    assert "timed out after 1 s" in result.stdout
    run_id = ws.last_run()
    attempt = ws.attempts(run_id, "hang")[0]
    assert attempt["status"] == "failed"
    assert attempt["exception"] == "timed out after 1 s"
    assert attempt["stdout"] == "waiting for children\n"
    pids = [int(line) for line in (ws.fake / "pids").read_text().split()]
    assert len(pids) == 3
    deadline = time.monotonic() + 3
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in pids if alive(pid)] == []


def test_huge_and_binary_output_is_shown_live_and_stored_capped(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Noisy commands"

        [noisy]
        type = "Command"
        command_name = "yes 'all work and no play' | head -c 10485760; echo; echo THE END"
        prompt_after = ""

        [binary]
        type = "Command"
        command_name = "printf 'caf\\\\351 \\\\377\\\\376\\\\n'; printf 'err \\\\300\\\\n' >&2"
        prompt_after = ""
        """
    )
    result = ws.run(file)
    assert result.code == 0, result.text
    # The operator saw all of it.
    assert result.stdout.count("all work and no play\n") > 400_000
    assert "THE END" in result.stdout
    assert "caf\ufffd \ufffd\ufffd\n" in result.stdout
    run_id = ws.last_run()
    noisy, binary = ws.attempts(run_id)
    stored = noisy["stdout"]
    # The head and the tail are kept; the tail may run over by at most one 64 KiB read.
    assert len(stored) < CAPTURE_HEAD + CAPTURE_TAIL + 65536 + 100
    assert stored.startswith("all work and no play\n")
    assert stored.endswith("THE END\n")
    assert " characters truncated …]" in stored
    assert (binary["stdout"], binary["stderr"]) == ("caf\ufffd \ufffd\ufffd\n", "err \ufffd\n")
    assert ws.states(run_id) == {"noisy": "ok", "binary": "ok"}


def test_an_interactive_command_reads_the_operators_input(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Asks its own question"

        [login]
        type = "Command"
        interactive = true
        command_name = 'read code; echo "code accepted: $code"; test "$code" = 1234'
        prompt_after = ""
        """
    )
    result = ws.run(file, answers="1234\n")
    assert result.code == 0, result.text
    assert "code accepted: 1234" in result.stdout
    attempt = ws.attempts(ws.last_run(), "login")[0]
    assert (attempt["status"], attempt["exit_code"]) == ("ok", 0)


def test_answers_after_a_prompt_are_left_for_an_interactive_command(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "A question, then a command that asks its own"

        [login]
        type = "Command"
        interactive = true
        prompt_before = "Log in now?"
        command_name = 'read code; echo "code accepted: $code"; test "$code" = 1234'
        prompt_after = ""

        [after]
        type = "Command"
        command_name = "echo done"
        """
    )
    result = ws.run(file, answers="y\n1234\ny\n")
    assert result.code == 0, result.text
    assert "code accepted: 1234" in result.stdout
    assert ws.states(ws.last_run()) == {"login": "ok", "after": "ok"}


class _InterruptedGuard:
    """A watchdog that is being told about a command's group when a signal arrives: the
    handler's exception is raised from there, as it would be from that pipe write."""

    def __init__(self) -> None:
        self.guarded: list[int] = []
        self.released: list[int] = []

    def guard(self, group: int) -> None:
        self.guarded.append(group)
        raise KeyboardInterrupt

    def release(self, group: int) -> None:
        self.released.append(group)


def test_a_stop_while_a_command_starts_leaves_no_process_behind() -> None:
    guard = _InterruptedGuard()
    with pytest.raises(KeyboardInterrupt):
        run_command(
            "sleep 30",
            timeout=None,
            env={b"PATH": os.environb[b"PATH"]},
            write=lambda stream, text: None,
            redact=Redactor(),
            guard=guard,
        )
    [group] = guard.guarded
    assert not alive(group)
    assert guard.released == [group]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "secret", "shown"),
    [
        # Half a secret, a pause longer than a partial line is held, then the other half.
        ("printf 'key=SEC'; sleep 0.5; printf 'RET!\\n'", "SECRET", "key=[REDACTED]!\n"),
        # A secret of two lines, printed a line at a time.
        (
            "echo one-LINE; sleep 0.5; echo two-LINE; echo after",
            "one-LINE\ntwo-LINE",
            "[REDACTED]\nafter\n",
        ),
    ],
)
def test_a_secret_printed_in_parts_is_never_shown_in_parts(
    command: str, secret: str, shown: str
) -> None:
    pieces: list[str] = []
    result = run_command(
        command,
        timeout=10,
        env={b"PATH": os.environb[b"PATH"]},
        write=lambda stream, text: pieces.append(text),
        redact=Redactor([secret]),
    )
    assert result.exit_code == 0
    assert "".join(pieces) == shown
    assert not any(part in piece for piece in pieces for part in ("SEC", "one-LINE"))


def _interactive(tmp_path: Path, **stop: threading.Event) -> tuple[Path, float]:
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    result = run_command(
        f"echo $$ > {pid_file}; exec sleep 30",
        timeout=None,
        env={b"PATH": os.environb[b"PATH"]},
        write=lambda stream, text: None,
        redact=Redactor(),
        interactive=True,
        **stop,
    )
    assert result.interrupted and result.exit_code is None
    return pid_file, time.monotonic() - started


@pytest.mark.slow
def test_a_run_stopped_elsewhere_ends_its_interactive_command(tmp_path: Path) -> None:
    """With --parallel the stop is seen by the interpreter's thread, not the one waiting."""
    cancelled = threading.Event()
    threading.Timer(0.3, cancelled.set).start()
    pid_file, took = _interactive(tmp_path, cancelled=cancelled)
    assert took < 5
    assert not alive(int(pid_file.read_text()))


@pytest.mark.slow
def test_a_stop_signal_ends_the_interactive_command_it_interrupts(tmp_path: Path) -> None:
    def handler(signum: int, frame: object) -> None:
        raise Stopped("SIGTERM")  # as the runner's SIGTERM and SIGHUP handlers do

    previous = signal.signal(signal.SIGUSR1, handler)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGUSR1))
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(Stopped):
            _interactive(tmp_path)
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)
    assert time.monotonic() - started < 5
    assert not alive(int((tmp_path / "pid").read_text()))
