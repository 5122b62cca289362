"""Runs runbooks with the original Playbook (PyPI `playbook` 1.3.1), many in one process.

Started by `differential_support` with the original's own Python (3.13, `playbook==1.3.1`
installed), never with ours: both packages are named `playbook`. Reads a JSON list of jobs on
standard input and writes one JSON result per line. Each job goes through the original's real
command line (its Typer app, in this process: starting Python for every runbook would cost more
than running it), with the job's arguments, environment and answers on standard input.

A job is {"runbook", "state", "args", "env", "answers"}; its result holds the executions in the
order they were recorded, the run's status (None when no run was created), the exit code and
the end of the output.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from playbook.cli.main import app
from typer.testing import CliRunner


def run(job: dict[str, Any]) -> dict[str, Any]:
    args = ["run", job["runbook"], *job["args"], "--state-path", job["state"]]
    outcome = CliRunner().invoke(app, args, input=job["answers"], env=job["env"])
    executions: list[list[str]] = []
    status = None
    if Path(job["state"]).exists():
        with sqlite3.connect(job["state"]) as db:
            executions = [
                [node_id, node_status]
                for node_id, node_status in db.execute(
                    "SELECT node_id, status FROM executions ORDER BY rowid"
                )
            ]
            row = db.execute("SELECT status FROM runs").fetchone()
            status = row[0] if row else None
    return {
        "executions": executions,
        "status": status,
        "exit_code": outcome.exit_code,
        "output": outcome.output[-3000:],
    }


def main() -> None:
    for job in json.load(sys.stdin):
        print(json.dumps(run(job)), flush=True)


if __name__ == "__main__":
    main()
