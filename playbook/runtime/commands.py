"""Running one shell command: live output for the operator, a capped capture for the record.

The command runs in its own process group, so a timeout or an interrupt reaches every process
it started, not just the shell.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Protocol

from playbook.redaction import Redactor

#: How much of each stream the state database keeps: the start and the end, which is where
#: commands say what they are doing and why they failed.
CAPTURE_HEAD = 64 * 1024
CAPTURE_TAIL = 192 * 1024
#: After SIGTERM, how long the process group gets before SIGKILL.
KILL_GRACE_S = 2.0
#: After the shell exits, how long to wait for background children to release its output.
DRAIN_GRACE_S = 0.5
#: Hold a partial line this long before showing it, so a redacted secret is never split.
PARTIAL_LINE_S = 0.2

Writer = Callable[[str, str], None]
#: Put before every command, on its first line (so the shell's line numbers stay the user's):
#: the shell starts the command only once the runner has said "go", after the command's group
#: is in the watchdog's care. A runner killed before that closes the pipe without a word, and
#: the command never starts. The command's own standard input is then at its end, as if empty.
GATE = "IFS= read -r _playbook_go || exit 137; "


class GroupGuard(Protocol):
    """Keeps a command's process group from outliving the run (see `watchdog`)."""

    def guard(self, group: int) -> None: ...

    def release(self, group: int) -> None: ...


class CapturedText:
    """Keeps the head and tail of a stream and counts what was dropped between them."""

    def __init__(self) -> None:
        self.head: list[str] = []
        self.head_size = 0
        self.tail: list[str] = []
        self.tail_size = 0
        self.dropped = 0

    def add(self, text: str) -> None:
        if self.head_size < CAPTURE_HEAD:
            room = CAPTURE_HEAD - self.head_size
            self.head.append(text[:room])
            self.head_size += min(room, len(text))
            text = text[room:]
        if not text:
            return
        self.tail.append(text)
        self.tail_size += len(text)
        while self.tail_size > CAPTURE_TAIL:
            excess = self.tail_size - CAPTURE_TAIL
            first = self.tail[0]
            if len(first) <= excess:
                self.tail.pop(0)
                cut = len(first)
            else:
                self.tail[0] = first[excess:]
                cut = excess
            self.tail_size -= cut
            self.dropped += cut

    def text(self) -> str:
        head = "".join(self.head)
        tail = "".join(self.tail)
        if self.dropped:
            return f"{head}\n[… {self.dropped} characters truncated …]\n{tail}"
        return head + tail


@dataclass(frozen=True)
class CommandResult:
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    #: The run stopped while the command ran; its process group was interrupted.
    interrupted: bool = False


class Stopped(KeyboardInterrupt):
    """A signal other than CTRL-C stopped the run (its name is the argument): it aborts alike."""


class _Stream:
    """Decodes one pipe incrementally (invalid UTF-8 becomes U+FFFD) and releases whole lines."""

    def __init__(self, name: str, redact: Redactor, write: Writer) -> None:
        self.name = name
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""
        self.pending_since = 0.0
        self.redact = redact
        self.write = write
        self.captured = CapturedText()

    def feed(self, data: bytes) -> None:
        text = self.pending + self.decoder.decode(data, final=not data)
        if data:
            self._release(text, min(text.rfind("\n") + 1, self.redact.unfinished(text)))
        else:
            self._release(text, len(text))

    def flush_stale(self) -> None:
        if self.pending and time.monotonic() - self.pending_since >= PARTIAL_LINE_S:
            self._release(self.pending, self.redact.unfinished(self.pending))

    def _release(self, text: str, cut: int) -> None:
        """Show and capture `text` up to `cut`; the rest waits for more output."""
        self.pending = text[cut:]
        if self.pending and not self.pending_since:
            self.pending_since = time.monotonic()
        self._emit(text[:cut])

    def _emit(self, text: str) -> None:
        if not text:
            return
        self.pending_since = 0.0 if not self.pending else self.pending_since
        safe = self.redact(text)
        self.captured.add(safe)
        self.write(self.name, safe)


def run_command(
    command: str,
    *,
    timeout: float | None,
    env: Mapping[bytes, bytes],
    write: Writer,
    redact: Redactor,
    interactive: bool = False,
    cancelled: threading.Event | None = None,
    guard: GroupGuard | None = None,
) -> CommandResult:
    """Run `command` with /bin/sh until it exits, times out, or `cancelled` is set.

    `env` is given encoded, so a run encodes its environment once rather than at every spawn.
    KeyboardInterrupt is passed on to the command's process group, then re-raised.
    """
    started = time.monotonic()
    if interactive:
        return _run_attached(command, timeout, env, started, cancelled)
    process = subprocess.Popen(
        ["/bin/sh", "-c", GATE + command],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    assert process.stdin is not None
    assert process.stdout is not None and process.stderr is not None
    # From here on, an interrupt (a signal's handler raises wherever the runner is) ends the group.
    try:
        if guard is not None:
            guard.guard(process.pid)
        with contextlib.suppress(BrokenPipeError):  # the shell may already have ended
            process.stdin.write(b"go\n")
            process.stdin.close()
        streams = {
            process.stdout.fileno(): _Stream("stdout", redact, write),
            process.stderr.fileno(): _Stream("stderr", redact, write),
        }
        deadline = started + timeout if timeout else None
        ending = _pump(process, streams, [process.stdout, process.stderr], deadline, cancelled)
        exit_code = process.wait()
    except BaseException:
        _stop_group(process, signal.SIGINT)
        raise
    finally:
        process.stdout.close()
        process.stderr.close()
        if guard is not None:
            guard.release(process.pid)
    out, err = streams.values()
    return CommandResult(
        exit_code=exit_code if ending == "exited" else None,
        stdout=out.captured.text(),
        stderr=err.captured.text(),
        duration_s=time.monotonic() - started,
        timed_out=ending == "timed out",
        interrupted=ending == "cancelled",
    )


def _pump(
    process: subprocess.Popen[bytes],
    streams: dict[int, _Stream],
    pipes: list[IO[bytes]],
    deadline: float | None,
    cancelled: threading.Event | None,
) -> str:
    """Move output until both pipes close: "exited", or "timed out" / "cancelled" once killed."""
    selector = selectors.DefaultSelector()
    for pipe in pipes:
        selector.register(pipe, selectors.EVENT_READ)
    open_pipes = len(pipes)
    exited_at: float | None = None
    try:
        while open_pipes:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                _stop_group(process, signal.SIGTERM)
                return "timed out"
            if cancelled is not None and cancelled.is_set():
                _stop_group(process, signal.SIGINT)
                return "cancelled"
            if exited_at is None and process.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > DRAIN_GRACE_S:
                break  # background children still hold the pipes; the command itself is done
            wait = PARTIAL_LINE_S if deadline is None else min(PARTIAL_LINE_S, deadline - now)
            for key, _ in selector.select(timeout=max(wait, 0.0)):
                data = os.read(key.fd, 65536)
                streams[key.fd].feed(data)
                if not data:
                    selector.unregister(key.fileobj)
                    open_pipes -= 1
            for stream in streams.values():
                stream.flush_stale()
    finally:
        selector.close()
        for stream in streams.values():
            stream.feed(b"")
    return "exited"


def _stop_group(process: subprocess.Popen[bytes], first: signal.Signals) -> None:
    """Signal the whole group, then SIGKILL whatever is left after a grace period."""
    _end(process, first, functools.partial(os.killpg, process.pid))


def _end(
    process: subprocess.Popen[bytes], first: signal.Signals, send: Callable[[int], None]
) -> None:
    """Send `first`, then SIGKILL after a grace period (at once if interrupted meanwhile: a
    second CTRL-C hastens the end rather than leaving the command running)."""
    try:
        send(first)
    except ProcessLookupError:
        return
    try:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=KILL_GRACE_S)
    finally:
        with contextlib.suppress(ProcessLookupError):
            send(signal.SIGKILL)
        process.wait()


def _run_attached(
    command: str,
    timeout: float | None,
    env: Mapping[bytes, bytes],
    started: float,
    cancelled: threading.Event | None,
) -> CommandResult:
    """An interactive command owns the terminal: nothing is captured, CTRL-C reaches it directly
    (it shares the runner's process group). A run stopped otherwise (SIGTERM, SIGHUP, `set-status
    --force`, a stop seen by another thread) ends it, as running out of time does."""
    process = subprocess.Popen(["/bin/sh", "-c", command], env=env)
    deadline = started + timeout if timeout else None
    try:
        while True:
            with contextlib.suppress(subprocess.TimeoutExpired):
                # Wakes at intervals to notice a stop or the deadline.
                exit_code = process.wait(timeout=PARTIAL_LINE_S)
                return CommandResult(exit_code, "", "", time.monotonic() - started)
            timed_out = deadline is not None and time.monotonic() >= deadline
            if timed_out or (cancelled is not None and cancelled.is_set()):
                _end_attached(process)
                return CommandResult(
                    None,
                    "",
                    "",
                    time.monotonic() - started,
                    timed_out=timed_out,
                    interrupted=not timed_out,
                )
    except BaseException as stop:
        if isinstance(stop, KeyboardInterrupt) and not isinstance(stop, Stopped):
            process.wait()  # CTRL-C reached the command too: it ends as it chooses
        else:
            _end_attached(process)
        raise


def _end_attached(process: subprocess.Popen[bytes]) -> None:
    """The command shares the runner's process group: only the command itself is signalled
    (`send_signal` does nothing once it has ended)."""
    _end(process, signal.SIGTERM, process.send_signal)
