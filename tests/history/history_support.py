"""A runbook rehearsed for real — retries, operator skips, an abort and a resume — and the CLI
run in-process over the database it leaves (named to stay unique on sys.path)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from runtime_support import Workspace
from state_databases import SQLiteDatabase, StateDatabase, copy_state

from playbook.cli import cli

#: A secret value that must never be shown, stored or written into a report.
CANARY = "s3cret-canary-77"
NIGHT_SHIFT = "night-shift"
DRILL_TITLE = "Release drill {{ENV}}"

DRILL = """\
[variables]
ENV = { default = "staging", choices = ["staging", "prod"] }
TOKEN = { required = true, secret = true }

[runbook]
title = "Release drill {{ENV}}"

[build]
type = "Command"
command_name = "make build"
prompt_after = ""

[deploy]
type = "Command"
command_name = "deploy.sh {{ENV}}"
prompt_after = ""

[verify]
type = "Command"
name = "Verify {{ENV}}"
command_name = "curl -H {{ ('token: ' ~ TOKEN) | quote }} {{ENV}}.example"
prompt_after = ""

[approve]
type = "Manual"
prompt_after = "Release {{ENV}}?"

[announce]
type = "Function"
plugin = "python"
function = "notify"
function_params = { message = "released {{ENV}}" }
prompt_after = ""
when = "ENV == 'prod'"
"""


def sqlite_in(folder: Path) -> StateDatabase:
    return SQLiteDatabase(folder / "run.db")


@dataclass
class Drill:
    ws: Workspace
    file: Path
    ids: dict[str, int] = field(default_factory=dict)
    #: A new, empty state database of the drill's backend (an SQLite file in the folder given).
    new_database: Callable[[Path], StateDatabase] = sqlite_in

    @property
    def state(self) -> StateDatabase:
        return self.ws.state

    def cli(self, *args: str | Path | int, db: Path | StateDatabase | None = None) -> Result:
        return invoke(self.ws, *args, db=db)

    def json(self, *args: str | Path | int, db: Path | StateDatabase | None = None) -> Any:
        result = self.cli(*args, "--json", db=db)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def copy(self, folder: Path) -> StateDatabase:
        """A new database of the drill's backend holding the drill's runs, to change freely."""
        target = self.new_database(folder)
        copy_state(self.state, target)
        return target


def invoke(
    ws: Workspace, *args: str | Path | int, db: Path | StateDatabase | None = None
) -> Result:
    """`playbook ARGS… --state-path DB` (or `--state-url`) in this process, with the
    workspace's environment; DB is the workspace's own database unless given."""
    state = ["--state-path", str(db)] if isinstance(db, Path) else (db or ws.state).flags
    return CliRunner().invoke(cli, [*map(str, args), *state], env=ws.env, catch_exceptions=False)


def fill_drill(ws: Workspace) -> Drill:
    """The six runs whose statistics the tests compute by hand (see test_history_statistics)."""
    drill = Drill(ws, ws.runbook(DRILL, "drill.playbook.toml"))
    token = ("--var", f"TOKEN={CANARY}")

    def run(label: str, *args: str, answers: str, code: int) -> None:
        outcome = ws.run(drill.file, *token, *args, answers=answers)
        assert outcome.code == code, outcome.text
        drill.ids[label] = ws.last_run()

    run("clean", answers="y\n", code=0)
    ws.fail("deploy.sh")
    run("retried", "--var", "ENV=prod", answers="r\ny\n", code=0)
    ws.fail("curl")
    run("skipped", answers="s\ny\n", code=1)
    ws.fail("deploy.sh")
    run("resumed", answers="a\n", code=130)
    ws.env.update(USER=NIGHT_SHIFT, LOGNAME=NIGHT_SHIFT)
    resumed = ws.resume(drill.file, str(drill.ids["resumed"]), *token, answers="y\n")
    ws.env.update(USER="ops-tester", LOGNAME="ops-tester")
    assert resumed.code == 0, resumed.text
    ws.fail("deploy.sh", times=2)
    run("aborted", answers="r\na\n", code=130)
    run("declined", answers="n\ns\n", code=1)
    return drill


def write(db: Path, sql: str, *params: Any) -> None:
    """Change the database behind Playbook's back, as a test that pins times must."""
    with closing(sqlite3.connect(db)) as connection:
        connection.execute(sql, params)
        connection.commit()


def copy_database(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)
    return target
