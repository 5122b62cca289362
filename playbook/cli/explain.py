"""`playbook explain`: why a node of a recorded run did what it did. Reads the database only."""

from __future__ import annotations

from pathlib import Path

import click

from playbook.cli.app import RUN_ID, echo, runbook_argument
from playbook.cli.state import open_state, state_option
from playbook.runtime.store import OpenMode, StateLocation


@click.command()
@runbook_argument
@click.argument("run_id", type=RUN_ID)
@click.argument("node")
@state_option
def explain(file: Path, run_id: int, node: str, state: StateLocation) -> None:
    """Explain why NODE ran, was skipped, failed, or never started in run RUN_ID of FILE.

    The run's own record answers (the runbook may have changed since); the state database is
    only read.
    """
    from playbook.explaining import explain as explain_node

    with open_state(state, OpenMode.READ_ONLY) as store:
        record = store.run(run_id)
        if record is not None and record.runbook_path != str(file.resolve()):
            echo(f"note: run {run_id} was started from {record.runbook_path}", err=True)
        lines = explain_node(store, run_id, node)
    for line in lines:
        echo(line)
