"""Running `playbook` as an operator does: in the test's own process, or as a real process.

`invoke` runs the real command line in-process, against real file descriptors: standard input
is a file of answers (or a pipe that stays open), standard output and error are files, so
prompts, interactive commands that inherit the terminal's descriptors, and the output of the
commands a run starts all behave as in a separate process, in a fraction of the time. What the
CLI reads from the process (the environment, the working directory, the standard streams,
SIGALRM) is set for the call and restored after it.

`Processes.spawn` starts a real process, for what only one can show: signals, a terminal, a
process that is killed. It starts with default signal dispositions, whatever pytest inherited
(a shell's background job ignores SIGINT), and the `processes` fixture kills it, and every
process it started, when the test ends, pass or fail.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click

from playbook.cli import cli

#: `invoke(stdin=KEEP_OPEN)`: a standard input that never ends, as a terminal nobody types in.
KEEP_OPEN = None

#: Signals a shell may have set to "ignore" for a background job; children start with defaults.
RESET_SIGNALS = (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE)


@dataclass(frozen=True)
class Outcome:
    """What the operator saw: the exit code and both output streams."""

    code: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


class Hung(BaseException):
    """An in-process command ran past its time limit (a BaseException, so no handler eats it)."""


def invoke(
    *args: str | Path,
    stdin: str | None = "",
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> Outcome:
    """`playbook ARGS…` in-process; `env` replaces the whole environment for the call."""
    before = _process_state()
    with (
        _environment(env),
        contextlib.chdir(cwd or Path.cwd()),
        _standard_streams(stdin) as outputs,
        _time_limit(timeout, args),
    ):
        code = _exit_code(cli, [str(arg) for arg in args])
    # What a separate process would take with it must not outlive an in-process call.
    assert _process_state() == before, f"`playbook {args}` left process state changed"
    return Outcome(code, *outputs.read())


def _process_state() -> tuple[object, ...]:
    """Signal handlers and logging handlers: state a command may change and must restore."""
    handlers = tuple(signal.getsignal(number) for number in RESET_SIGNALS)
    logger = logging.getLogger("playbook")
    return handlers, tuple(logger.handlers), logger.level


def _exit_code(group: click.Group, args: list[str]) -> int:
    """Run the command as `python -m playbook` would, down to an uncaught exception's exit 1."""
    try:
        group.main(args=args, prog_name="playbook")
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    return 0


@contextlib.contextmanager
def _environment(env: Mapping[str, str] | None) -> Iterator[None]:
    saved = dict(os.environ)
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class _Outputs:
    """What a call wrote to standard output and error, read once the call is over."""

    def __init__(self) -> None:
        self.texts: tuple[str, str] = ("", "")

    def read(self) -> tuple[str, str]:
        return self.texts

    def collect(self, stdout: IO[bytes], stderr: IO[bytes]) -> None:
        texts = []
        for file in (stdout, stderr):
            file.seek(0)
            texts.append(file.read().decode("utf-8", errors="replace"))
        self.texts = (texts[0], texts[1])


@contextlib.contextmanager
def _standard_streams(stdin: str | None) -> Iterator[_Outputs]:
    """Descriptors 0, 1 and 2 and sys.std* on an input and two output files, then restored."""
    with contextlib.ExitStack() as stack:
        stdout = stack.enter_context(tempfile.TemporaryFile())
        stderr = stack.enter_context(tempfile.TemporaryFile())
        if stdin is KEEP_OPEN:
            read_end, write_end = os.pipe()
            stack.callback(os.close, write_end)
            source = stack.enter_context(open(read_end, "rb"))
        else:
            source = stack.enter_context(tempfile.TemporaryFile())
            source.write(stdin.encode("utf-8"))
            source.seek(0)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        saved_streams = (sys.stdin, sys.stdout, sys.stderr)
        saved_descriptors = [os.dup(fd) for fd in (0, 1, 2)]
        for fd, file in enumerate((source, stdout, stderr)):
            os.dup2(file.fileno(), fd)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        outputs = _Outputs()
        try:
            yield outputs
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            sys.stdin, sys.stdout, sys.stderr = saved_streams
            for fd, saved in enumerate(saved_descriptors):
                os.dup2(saved, fd)
                os.close(saved)
            outputs.collect(stdout, stderr)


@contextlib.contextmanager
def _time_limit(seconds: float, args: Sequence[object]) -> Iterator[None]:
    """Stop a hung command with an exception instead of hanging the suite."""

    def expire(signum: int, frame: object) -> None:
        raise Hung(f"`playbook {' '.join(map(str, args))}` did not finish in {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Real processes -------------------------------------------------------------------------------


def playbook_command(*args: str | Path) -> list[str]:
    """The command line of the real CLI, run by this interpreter."""
    return [sys.executable, "-m", "playbook", *map(str, args)]


def _default_signals() -> None:
    """In the child, before exec: the dispositions and mask a process normally starts with."""
    for number in RESET_SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


class Processes:
    """Every process a test starts, killed with all it started when the test ends."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[Any]] = []

    def spawn(self, command: Sequence[str | Path], **options: Any) -> subprocess.Popen[Any]:
        """`subprocess.Popen` in a session of its own, with default signal dispositions."""
        process = subprocess.Popen(
            [str(part) for part in command],
            start_new_session=True,
            preexec_fn=_default_signals,
            **options,
        )
        self.started.append(process)
        return process

    def run(
        self,
        command: Sequence[str | Path],
        *,
        input: str | None = None,
        timeout: float = 60,
        **options: Any,
    ) -> subprocess.CompletedProcess[str]:
        """Run a process to its end, as text; output is captured unless `options` redirect it.

        Standard input is a pipe holding `input` (closed at once when None).
        """
        options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **options}
        process = self.spawn(command, stdin=subprocess.PIPE, text=True, **options)
        stdout, stderr = process.communicate(input, timeout=timeout)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def kill_all(self) -> None:
        for process in self.started:
            for pid in [*_descendants(process.pid), process.pid]:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(os.getpgid(pid), signal.SIGKILL)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            process.wait()
            for pipe in (process.stdin, process.stdout, process.stderr):
                if pipe is not None:
                    pipe.close()


def _descendants(pid: int) -> list[int]:
    """Every living process below `pid` (Linux /proc), children first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found
