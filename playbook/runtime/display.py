"""What the operator sees during a run: headers, progress, results and the final summary."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Mapping
from typing import Any

from rich.color import ColorSystem
from rich.console import Console
from rich.markdown import Markdown
from rich.style import Style
from rich.table import Table
from rich.text import Text

from playbook.conversion import convert

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


_COLOR_SYSTEMS = {
    "standard": ColorSystem.STANDARD,
    "256": ColorSystem.EIGHT_BIT,
    "truecolor": ColorSystem.TRUECOLOR,
    "windows": ColorSystem.WINDOWS,
}


class Display:
    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.total = total
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
                    self.styles[style] = Style.parse(style)
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
        filled = round(BAR_WIDTH * self.done / self.total) if self.total else BAR_WIDTH
        self.console.file.write("\n")
        self.line(
            ("━" * filled, "green"),
            ("━" * (BAR_WIDTH - filled), "grey37"),
            (f" {self.done}/{self.total} done  ", "dim"),
            (f"[{position}/{self.total}] ", "bold"),
            (f"{node_type} ", "cyan"),
            (name, "bold"),
            (f"  (attempt {attempt})" if attempt > 1 else "", "yellow"),
        )

    def node_finished(self) -> None:
        self.done += 1

    def description(self, text: str) -> None:
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
        self.line((status, STATUS_STYLES.get(status, "")), (f"  {detail}", ""))

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
                Text(state, style=STATUS_STYLES.get(state, "")),
                str(attempts),
                f"{duration:.2f}s" if attempts else "-",
                decision or "",
            )
        self.console.print()
        self.console.print(table)
        self.console.print(Text.assemble("Run status: ", (status, STATUS_STYLES[status])))
