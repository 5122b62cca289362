"""Questions to the operator, read from standard input even when it is not a terminal.

`yes | playbook run …` and scripted answers work; a closed input or a stream of answers that
are never valid ends in `InputClosed`, which the interpreter turns into an abort (resumable),
never into an endless loop or a silent "yes". So does a question left unanswered for longer
than the run's `execution.interactive_timeout`.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

from playbook.redaction import Redactor

#: How often the interpreter's thread, waiting for an answer or an attempt, comes back to act on
#: signals (see `Workers.next_done`).
WAKE_S = 0.2
#: Invalid answers tolerated from a non-terminal input before giving up.
MAX_INVALID_ANSWERS = 3

YES = frozenset({"y", "yes"})
NO = frozenset({"n", "no"})


class InputClosed(Exception):
    """Standard input ended, kept giving answers that are not valid, or gave none in time."""


def read_line(stream: TextIO, timeout: float = 0) -> str:
    """One line of `stream`, "" at its end, never reading past the newline from a pipe.

    A buffered read would swallow the lines that follow, and those belong to whatever asks
    next: another prompt, or an interactive command that inherits standard input. With a
    `timeout` (seconds, 0 = none) a line that is not complete in time raises `TimeoutError`.
    """
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError):
        return stream.readline()
    deadline = time.monotonic() + timeout if timeout else None
    if stream.isatty():
        # A terminal delivers whole lines: once one is ready, readline does not block.
        _wait_readable(descriptor, deadline)
        return stream.readline()
    data = bytearray()
    while not data.endswith(b"\n"):
        _wait_readable(descriptor, deadline)
        byte = os.read(descriptor, 1)
        if not byte:
            break
        data += byte
    return data.decode("utf-8", errors="replace")


def _wait_readable(descriptor: int, deadline: float | None) -> None:
    """Wait until `descriptor` has input, waking every `WAKE_S` so a signal the system handed
    to a worker thread is acted on (see `Workers.next_done`); `TimeoutError` past `deadline`."""
    while True:
        left = WAKE_S if deadline is None else min(WAKE_S, deadline - time.monotonic())
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select([descriptor], [], [], left)
        if ready:
            return


class Prompter:
    """Asks the operator; `timeout` (seconds, 0 = none) bounds the wait for each answer.

    `hold` is entered while a question waits for its answer, so that output of work running in
    the background does not land in the middle of it. Questions are redacted before they are
    shown, and so are the errors that quote them.
    """

    def __init__(
        self,
        console: Console,
        stream: TextIO | None = None,
        timeout: float = 0,
        hold: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext,
        redactor: Redactor | None = None,
    ) -> None:
        self.console = console
        self.stream = stream if stream is not None else sys.stdin
        self.timeout = timeout
        self.hold = hold
        self.redact = redactor or Redactor()

    def _read(self, question: str) -> str:
        self.console.print(question, end=" ", markup=False, highlight=False)
        self.console.file.flush()
        try:
            line = read_line(self.stream, self.timeout)
        except TimeoutError:
            self.console.print()
            raise InputClosed(
                f"timed out after {self.timeout:g} s waiting for an answer to {question!r}"
                " (execution.interactive_timeout)"
            ) from None
        if not line:
            self.console.print()
            raise InputClosed("standard input is closed: no answer to " + repr(question))
        if not self.stream.isatty():
            # Echo scripted answers so the transcript reads like a session.
            self.console.print(self.redact(line.rstrip("\n")), markup=False, highlight=False)
        return line.strip().lower()

    def choose(self, question: str, options: dict[str, str]) -> str:
        """Ask until the answer is one of `options` (key → word); returns the key."""
        question = self.redact(question)
        accepted = {**{key: key for key in options}, **{word: key for key, word in options.items()}}
        menu = "/".join(
            f"[{key}]{word[1:]}" if word.startswith(key) else word for key, word in options.items()
        )
        invalid = 0
        with self.hold():
            while True:
                answer = self._read(f"{question} {menu}:")
                if answer in accepted:
                    return accepted[answer]
                invalid += 1
                self.console.print(
                    f"Please answer one of: {', '.join(options.values())}.", markup=False
                )
                if invalid >= MAX_INVALID_ANSWERS and not self.stream.isatty():
                    raise InputClosed(f"no valid answer to {question!r} after {invalid} tries")

    def confirm(self, question: str) -> bool:
        return self.choose(question, {"y": "yes", "n": "no"}) == "y"
