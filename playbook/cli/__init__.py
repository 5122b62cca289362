"""The `playbook` command line: thin commands over the compiler and the runtime.

Each command is one line below: its name, where it lives, and the short help `playbook --help`
lists. Its module is imported only when the command runs or shows its own help.
"""

import os
import sys
from contextlib import suppress

from playbook.cli.app import LazyCommand, cli

COMMANDS = (
    LazyCommand(
        "compile",
        "playbook.cli.build:compile_command",
        "Compile FILE to its JSON IR.",
        ends_with_output=True,
    ),
    LazyCommand("config", "playbook.cli.config:config", "Show, check or create the configuration."),
    LazyCommand("create", "playbook.cli.create:create", "Write a new runbook, ready to edit."),
    LazyCommand("explain", "playbook.cli.explain:explain", "Explain what a node did in a run."),
    LazyCommand("info", "playbook.cli.info:info", "Show the installation and workflow statistics."),
    LazyCommand(
        "plan", "playbook.cli.plan:plan", "Show what a run of FILE would do.", ends_with_output=True
    ),
    LazyCommand("resume", "playbook.cli.execution:resume", "Resume an ABORTED run of FILE."),
    LazyCommand("run", "playbook.cli.execution:run", "Run FILE (a runbook or a compiled IR)."),
    LazyCommand("set-status", "playbook.cli.execution:set_status", "Set a run's status by hand."),
    LazyCommand("show", "playbook.cli.show:show", "Show a workflow's runs, or one run in full."),
    LazyCommand("state", "playbook.cli.transfer:state_group", "Export or import the whole state."),
    LazyCommand(
        "validate",
        "playbook.cli.build:validate",
        "Check FILE and report every problem.",
        ends_with_output=True,
    ),
    LazyCommand("view-dag", "playbook.cli.diagram:view_dag", "Draw the DAG of FILE as an image."),
)
cli.add_lazy_commands(COMMANDS)


def main() -> None:
    try:
        cli(prog_name="playbook")
    except SystemExit as end:
        if cli.ends_with_output and isinstance(end.code, int | None):
            _exit_at_once(end.code or 0)
        raise


def _exit_at_once(code: int) -> None:
    """Flush what was printed, then end the process without Python's teardown."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue  # closed before the start (`2>&-`): Python gives no stream at all
        # A closed pipe (`playbook validate … | head`): nothing more can be said.
        with suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
