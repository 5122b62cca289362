"""What the operator sees during a run: headers, progress, results and the final summary.

The display is the run's terminal: every text it is given passes through the run's `Redactor`
before rich lays it out (a line wrapped by the layout could split a secret), and what a plugin
function prints reaches the terminal through it too.
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from rich.color import ColorSystem
from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text
from rich.theme import Theme

from playbook.compiler.ir import NodeState, RunStatus
from playbook.conversion import convert
from playbook.redaction import Redactor
from playbook.settings import UiSettings

BAR_WIDTH = 20
#: Pieces of background output kept back while a question waits (see `Display.hold`).
HELD_CHUNKS = 2000
#: Beyond this many nodes the summary lists only the nodes that need attention.
FULL_SUMMARY_LIMIT = 50

STATUS_STYLES = {
    NodeState.OK: "green",
    NodeState.FAILED: "red",
    NodeState.SKIPPED: "yellow",
    NodeState.PENDING: "dim",
    NodeState.INTERRUPTED: "magenta",
    NodeState.RUNNING: "cyan",
    RunStatus.OK: "bold green",
    RunStatus.NOK: "bold red",
    RunStatus.ABORTED: "bold magenta",
    RunStatus.RUNNING: "bold cyan",
}
#: `ui.color_theme` light and dark: the styles above that are hard to read on that background.
BACKGROUND_STYLES = {
    "light": {
        NodeState.OK: "green4",
        NodeState.SKIPPED: "dark_orange3",
        NodeState.RUNNING: "dark_cyan",
        RunStatus.OK: "bold green4",
        RunStatus.RUNNING: "bold dark_cyan",
        "bar.remaining": "grey70",
    },
    "dark": {
        NodeState.OK: "bright_green",
        NodeState.FAILED: "bright_red",
        NodeState.SKIPPED: "bright_yellow",
        NodeState.PENDING: "grey62",
        NodeState.INTERRUPTED: "bright_magenta",
        NodeState.RUNNING: "bright_cyan",
        "bar.remaining": "grey35",
    },
}


def themed_console(color_theme: str) -> Console:
    """A console whose `status.*` styles suit `ui.color_theme`; "none" writes plain text."""
    styles = {**STATUS_STYLES, "bar.done": "green", "bar.remaining": "grey37"}
    styles.update(BACKGROUND_STYLES.get(color_theme, {}))
    theme = Theme({f"status.{name}": style for name, style in styles.items()})
    if color_theme == "none":
        return Console(highlight=False, theme=theme, no_color=True, color_system=None)
    return Console(highlight=False, theme=theme)


def status_style(status: str) -> str:
    """The theme's style name for a node or run status (see `themed_console`)."""
    return f"status.{status}" if status in STATUS_STYLES else ""


_COLOR_SYSTEMS = {
    "standard": ColorSystem.STANDARD,
    "256": ColorSystem.EIGHT_BIT,
    "truecolor": ColorSystem.TRUECOLOR,
    "windows": ColorSystem.WINDOWS,
}


class Display:
    """Writes for the operator; safe to call from the workers that run attempts in parallel.

    With `attribute_output` (several attempts at a time) each line of a command's output starts
    with its node id. While a question waits for its answer (`hold`), the output of attempts
    running in the background is kept back, then shown after the answer.
    """

    def __init__(
        self,
        console: Console,
        total: int,
        ui: UiSettings | None = None,
        redactor: Redactor | None = None,
        attribute_output: bool = False,
    ) -> None:
        self.console = console
        self.total = total
        self.ui = ui or UiSettings()
        self.redact = redactor or Redactor()
        self.attribute_output = attribute_output
        self.done = 0
        self.color_system = _COLOR_SYSTEMS.get(console.color_system or "")
        self.styles: dict[str, Style] = {}
        self._lock = threading.RLock()
        self._held: list[tuple[str, str]] | None = None
        self._dropped = 0
        self._open_lines: set[tuple[str, str]] = set()
        # Where output is written, fixed now: while `routing_prints` is active, sys.stdout and
        # sys.stderr lead back here.
        self._streams = {"stdout": sys.stdout, "stderr": sys.stderr}
        self._thread = threading.local()

    def line(self, *parts: tuple[str, str]) -> None:
        """Write one line of styled parts straight to the terminal.

        Headers and outcomes are printed for every node of every run; going through rich's
        layout engine for each costs more than the SQLite commits that make a node durable.
        """
        rendered = []
        for text, style in parts:
            text = self.redact(text)
            if style and self.color_system is not None:
                if style not in self.styles:
                    self.styles[style] = self.console.get_style(style)
                text = self.styles[style].render(text, color_system=self.color_system)
            rendered.append(text)
        with self._lock:
            self.console.file.write("".join(rendered) + "\n")
            self.console.file.flush()

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Keep background output back while the operator reads and answers a question.

        Beyond `HELD_CHUNKS` pieces only the count is kept: the whole output is stored with
        each attempt anyway, and a question may wait for hours.
        """
        with self._lock:
            self._held, self._dropped = [], 0
        try:
            yield
        finally:
            with self._lock:
                held, self._held = self._held or [], None
                for stream, text in held:
                    self._write(stream, text)
                if self._dropped:
                    self._write(
                        "stderr",
                        f"[{self._dropped} more pieces of output arrived while the question"
                        " waited; each attempt's output is stored in full]\n",
                    )

    def run_started(
        self, run_id: int, title: str, description: str, variables: Mapping[str, Any], resumed: bool
    ) -> None:
        verb = "Resuming" if resumed else "Starting"
        self.console.rule(Text(self.redact(title), style="bold"))
        self.console.print(Text(f"{verb} run {run_id}", style="dim"))
        self.description(description, manual=True)
        if variables:
            # A line of its own: as the title of a narrow table it would wrap ("Variab / les").
            self.console.print(Text("Variables", style="italic"))
            table = Table(show_header=False, box=None)
            for name, value in variables.items():
                table.add_row(Text(name, style="bold"), Text(self.redact(convert(value, "string"))))
            self.console.print(table)

    def node_started(self, position: int, node_type: str, name: str, attempt: int) -> None:
        if not self.ui.compact_output:
            self.console.file.write("\n")
        self.line(
            self._timestamp(),
            *self._progress(position),
            (f"{node_type} ", "cyan"),
            (name, "bold"),
            (f"  (attempt {attempt})" if attempt > 1 else "", "yellow"),
        )

    def _progress(self, position: int) -> list[tuple[str, str]]:
        """`ui.progress_style`: a bar with counts, the counts alone, or nothing."""
        if self.ui.progress_style == "none":
            return []
        counts = [
            (f"{self.done}/{self.total} done  ", "dim"),
            (f"[{position}/{self.total}] ", "bold"),
        ]
        if self.ui.progress_style == "counter":
            return counts
        filled = round(BAR_WIDTH * self.done / self.total) if self.total else BAR_WIDTH
        return [
            ("━" * filled, "status.bar.done"),
            ("━" * (BAR_WIDTH - filled), "status.bar.remaining"),
            (" ", ""),
            *counts,
        ]

    def _timestamp(self) -> tuple[str, str]:
        return (time.strftime("%H:%M:%S ") if self.ui.show_timestamps else "", "dim")

    def node_finished(self) -> None:
        self.done += 1

    def description(self, text: str, *, manual: bool = False) -> None:
        """A node's description; compact output keeps only a Manual node's instructions."""
        if self.ui.compact_output and not manual:
            return
        if text.strip():
            # Markdown's parser (markdown-it, some 40 ms to import) loads only when there is some.
            from rich.markdown import Markdown

            with self._lock:
                self.console.print(Markdown(self.redact(text).strip()))

    def output(self, node_id: str, stream: str, text: str) -> None:
        """Live output of a node's command or plugin function, in whole lines (a secret is
        never split between two calls)."""
        text = self.redact(text)
        with self._lock:
            if self.attribute_output:
                text = self._attributed(node_id, stream, text)
            if self._held is not None:
                if len(self._held) < HELD_CHUNKS:
                    self._held.append((stream, text))
                else:
                    self._dropped += 1
            else:
                self._write(stream, text)

    def _attributed(self, node_id: str, stream: str, text: str) -> str:
        """`text` with `[node_id] ` at the start of each of its lines."""
        key = (node_id, stream)
        parts = []
        for piece in text.splitlines(keepends=True):
            if key not in self._open_lines:
                parts.append(f"[{node_id}] ")
            parts.append(piece)
            if piece.endswith("\n"):
                self._open_lines.discard(key)
            else:
                self._open_lines.add(key)
        return "".join(parts)

    def _write(self, stream: str, text: str) -> None:
        target = self._streams[stream]
        self.console.file.flush()
        target.write(text)
        target.flush()

    @contextlib.contextmanager
    def routing_prints(self) -> Iterator[None]:
        """While a run goes on, sys.stdout and sys.stderr hand what a plugin function prints
        (on the thread running it, see `captured`) to the display; other writes pass through."""
        saved = sys.stdout, sys.stderr
        sys.stdout = _PrintRouter(saved[0], "stdout", self._thread)  # type: ignore[assignment]
        sys.stderr = _PrintRouter(saved[1], "stderr", self._thread)  # type: ignore[assignment]
        try:
            yield
        finally:
            sys.stdout, sys.stderr = saved

    @contextlib.contextmanager
    def captured(self, node_id: str) -> Iterator[PrintedText]:
        """What this thread prints meanwhile is `node_id`'s output, shown and kept for the record."""
        printed = PrintedText(self, node_id)
        self._thread.printed = printed
        try:
            yield printed
        finally:
            self._thread.printed = None
            printed.close()

    def note(self, text: str, style: str = "dim") -> None:
        with self._lock:
            self.console.print(Text(self.redact(text), style=style))

    def outcome(self, status: str, detail: str, node_id: str = "") -> None:
        """How an attempt ended; several running at once, each line names its node."""
        node = f"[{node_id}] " if node_id and self.attribute_output else ""
        self.line(self._timestamp(), (status, status_style(status)), (f"  {node}{detail}", ""))

    def summary(
        self, run_id: int, rows: list[tuple[str, str, int, float, str]], status: str
    ) -> None:
        counts = Counter(row[1] for row in rows)
        shown = rows
        title = f"Run {run_id}"
        if len(rows) > FULL_SUMMARY_LIMIT:
            shown = [row for row in rows if row[1] != NodeState.OK]
            title += ": " + ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        table = Table(title=title, title_justify="left")
        for column in ("node", "status", "attempts", "duration", "decision"):
            table.add_column(column)
        for node_id, state, attempts, duration, decision in shown:
            table.add_row(
                # A node id may hold brackets (["[1] backup"]): shown as written, never as markup.
                Text(node_id),
                Text(state, style=status_style(state)),
                str(attempts),
                f"{duration:.2f}s" if attempts else "-",
                decision or "",
            )
        self.console.print()
        self.console.print(table)
        self.console.print(Text.assemble("Run status: ", (status, status_style(status))))


class _PrintRouter(io.TextIOBase):
    """sys.stdout or sys.stderr during a run: a thread running a plugin function writes to its
    `PrintedText`; every other thread writes to the stream as usual."""

    def __init__(self, stream: TextIO, name: str, thread: threading.local) -> None:
        self.stream = stream
        self.name = name
        self.thread = thread

    def _target(self) -> TextIO:
        printed: PrintedText | None = getattr(self.thread, "printed", None)
        return self.stream if printed is None else printed.streams[self.name]

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", None) or "utf-8"


class _LineWriter(io.TextIOBase):
    """A text stream that hands whole lines to the display, the rest when flushed or closed."""

    def __init__(self, printed: PrintedText, stream: str) -> None:
        self.printed = printed
        self.stream = stream
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        lines = self.pending + text
        cut = lines.rfind("\n") + 1
        self.pending = lines[cut:]
        if cut:
            self.printed.add(self.stream, lines[:cut])
        return len(text)

    def flush(self) -> None:
        if self.pending:
            text, self.pending = self.pending, ""
            self.printed.add(self.stream, text)


class PrintedText:
    """What a plugin function printed, on both streams, in order."""

    def __init__(self, display: Display, node_id: str) -> None:
        self.display = display
        self.node_id = node_id
        self.parts: list[str] = []
        self.streams = {name: _LineWriter(self, name) for name in ("stdout", "stderr")}

    def add(self, stream: str, text: str) -> None:
        self.parts.append(text)
        self.display.output(self.node_id, stream, text)

    def close(self) -> None:
        for writer in self.streams.values():
            writer.flush()

    def text(self) -> str | None:
        return "".join(self.parts) or None
