"""What the operator sees during a run: headers, progress, results and the final summary."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markdown import Markdown
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

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


class Display:
    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.total = total
        self.done = 0

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
                table.add_row(Text(name, style="bold"), Text(str(value)))
            self.console.print(table)

    def node_started(self, position: int, node_type: str, name: str, attempt: int) -> None:
        bar = ProgressBar(total=self.total, completed=self.done, width=20)
        header = Text.assemble(
            (f"[{position}/{self.total}] ", "bold"),
            (f"{node_type} ", "cyan"),
            (name, "bold"),
            (f"  (attempt {attempt})" if attempt > 1 else "", "yellow"),
        )
        self.console.print()
        grid = Table.grid(expand=False, padding=(0, 1))
        grid.add_row(header, bar, Text(f"{self.done}/{self.total} done", style="dim"))
        self.console.print(grid)

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
        self.console.print(
            Text.assemble((f"{status}", STATUS_STYLES.get(status, "")), f"  {detail}")
        )

    def summary(
        self, run_id: int, rows: list[tuple[str, str, int, float, str]], status: str
    ) -> None:
        table = Table(title=f"Run {run_id}", title_justify="left")
        for column in ("node", "status", "attempts", "duration", "decision"):
            table.add_column(column)
        for node_id, state, attempts, duration, decision in rows:
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
