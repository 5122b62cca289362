"""What the operator sees during a run: headers, progress, results and the final summary."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

from rich.color import ColorSystem
from rich.console import Console
from rich.markdown import Markdown
from rich.style import Style
from rich.table import Table
from rich.text import Text
from rich.theme import Theme

from playbook.conversion import convert
from playbook.settings import UiSettings

BAR_WIDTH = 20
#: Beyond this many nodes the summary lists only the nodes that need attention.
FULL_SUMMARY_LIMIT = 50

STATUS_STYLES = {
    "ok": "green",
    "failed": "red",
    "skipped": "yellow",
    "pending": "dim",
    "interrupted": "magenta",
    "running": "cyan",
    "OK": "bold green",
    "NOK": "bold red",
    "ABORTED": "bold magenta",
    "RUNNING": "bold cyan",
}
#: `ui.color_theme` light and dark: the styles above that are hard to read on that background.
BACKGROUND_STYLES = {
    "light": {
        "ok": "green4",
        "skipped": "dark_orange3",
        "running": "dark_cyan",
        "OK": "bold green4",
        "RUNNING": "bold dark_cyan",
        "bar.remaining": "grey70",
    },
    "dark": {
        "ok": "bright_green",
        "failed": "bright_red",
        "skipped": "bright_yellow",
        "pending": "grey62",
        "interrupted": "bright_magenta",
        "running": "bright_cyan",
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
    def __init__(self, console: Console, total: int, ui: UiSettings | None = None) -> None:
        self.console = console
        self.total = total
        self.ui = ui or UiSettings()
        self.done = 0
        self.color_system = _COLOR_SYSTEMS.get(console.color_system or "")
        self.styles: dict[str, Style] = {}

    def line(self, *parts: tuple[str, str]) -> None:
        """Write one line of styled parts straight to the terminal.

        Headers and outcomes are printed for every node of every run; going through rich's
        layout engine for each costs more than the SQLite commits that make a node durable.
        """
        rendered = []
        for text, style in parts:
            if style and self.color_system is not None:
                if style not in self.styles:
                    self.styles[style] = self.console.get_style(style)
                text = self.styles[style].render(text, color_system=self.color_system)
            rendered.append(text)
        self.console.file.write("".join(rendered) + "\n")
        self.console.file.flush()

    def run_started(
        self, run_id: int, title: str, description: str, variables: Mapping[str, Any], resumed: bool
    ) -> None:
        verb = "Resuming" if resumed else "Starting"
        self.console.rule(Text(f"{title}", style="bold"))
        self.console.print(Text(f"{verb} run {run_id}", style="dim"))
        if description.strip():
            self.console.print(Markdown(description.strip()))
        if variables:
            table = Table(title="Variables", show_header=False, box=None, title_justify="left")
            for name, value in variables.items():
                table.add_row(Text(name, style="bold"), Text(convert(value, "string")))
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
            self.console.print(Markdown(text.strip()))

    def output(self, stream: str, text: str) -> None:
        target = sys.stdout if stream == "stdout" else sys.stderr
        self.console.file.flush()
        target.write(text)
        target.flush()

    def note(self, text: str, style: str = "dim") -> None:
        self.console.print(Text(text, style=style))

    def outcome(self, status: str, detail: str) -> None:
        self.line(self._timestamp(), (status, status_style(status)), (f"  {detail}", ""))

    def summary(
        self, run_id: int, rows: list[tuple[str, str, int, float, str]], status: str
    ) -> None:
        counts = Counter(row[1] for row in rows)
        shown = rows
        title = f"Run {run_id}"
        if len(rows) > FULL_SUMMARY_LIMIT:
            shown = [row for row in rows if row[1] != "ok"]
            title += ": " + ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        table = Table(title=title, title_justify="left")
        for column in ("node", "status", "attempts", "duration", "decision"):
            table.add_column(column)
        for node_id, state, attempts, duration, decision in shown:
            table.add_row(
                node_id,
                Text(state, style=status_style(state)),
                str(attempts),
                f"{duration:.2f}s" if attempts else "-",
                decision or "",
            )
        self.console.print()
        self.console.print(table)
        self.console.print(Text.assemble("Run status: ", (status, status_style(status))))
