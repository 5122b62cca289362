"""End-to-end helpers: the real CLI, fake tools on PATH, a real state database.

The CLI runs in-process (`cli_support.invoke`: real descriptors, a fresh environment and working
directory per call); `spawn` starts it as a real process, for the tests about signals.

Every test gets a workspace in `tmp_path`:

- `bin/` holds stand-ins for the tools the example runbooks call (`deploy.sh`, `npm`, `make`,
  `curl`, …). Each one logs its call to `fake/calls.log` and succeeds, unless the test asked it
  to fail: `workspace.fail("curl")` makes the next call fail, `times=` the next few. A file
  `fake/<tool>-<first argument>.fails` targets one subcommand (`npm test` but not `npm audit`).
- `state` is the state database passed to every command: `state/run.db` (`--state-path`), or
  a PostgreSQL database (`--state-url`) for a test run on both backends.
- HOME points into the workspace, so nothing reaches the real `~/.config/playbook`.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

from cli_support import Outcome, Processes, invoke, playbook_command
from state_databases import Row, SQLiteDatabase, StateDatabase

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OPERATOR = "ops-tester"
FAKE_TOOLS = (
    "deploy.sh",
    "rollback.sh",
    "cleanup.sh",
    "complex.sh",
    "deploy-production.sh",
    "npm",
    "make",
    "curl",
    "security-scan",
    "kubectl",
)
FAKE_TOOL_SCRIPT = """\
#!/bin/sh
# Stand-in for a real tool: log the call, fail while a .fails counter says so.
name=$(basename "$0")
echo "$name $*" >> "$FAKE_STATE/calls.log"
for key in "$name-$1" "$name"; do
    counter="$FAKE_STATE/$key.fails"
    if [ -f "$counter" ] && [ "$(cat "$counter")" -gt 0 ]; then
        echo $(( $(cat "$counter") - 1 )) > "$counter"
        echo "$name $*: simulated failure" >&2
        exit 1
    fi
done
echo "$name $*: done"
"""

# `hold` waits until told to go on, so a test can act while
# the run is owned (by a process, on a machine).
HOLD = """\
[runbook]
title = "Held"

[hold]
type = "Command"
command_name = '''
touch "$FAKE_STATE/holding"
while [ ! -f "$FAKE_STATE/go" ]; do sleep 0.05; done
echo held
'''
prompt_after = ""

[after]
type = "Command"
command_name = "echo after"
prompt_after = ""
"""


class Workspace:
    def __init__(
        self, root: Path, processes: Processes | None = None, state: StateDatabase | None = None
    ) -> None:
        self.root = root
        self.processes = processes or Processes()
        self.bin = root / "bin"
        self.fake = root / "fake"
        self.db = root / "state" / "run.db"
        self.state = state or SQLiteDatabase(self.db)
        for folder in (self.bin, self.fake, root / "home"):
            folder.mkdir()
        for tool in FAKE_TOOLS:
            script = self.bin / tool
            script.write_text(FAKE_TOOL_SCRIPT)
            script.chmod(0o755)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLAYBOOK_")}
        env.update(
            PATH=f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            HOME=str(root / "home"),
            FAKE_STATE=str(self.fake),
            COLUMNS="200",
            NO_COLOR="1",
            TERM="dumb",
            LOGNAME=OPERATOR,
            USER=OPERATOR,
        )
        self.env = env

    # Files ----------------------------------------------------------------------------------

    def runbook(self, text: str, name: str = "test.playbook.toml") -> Path:
        path = self.root / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def fail(self, tool: str, times: int = 1) -> None:
        """Make the next `times` calls of `tool` (or `tool-subcommand`) exit 1."""
        (self.fake / f"{tool}.fails").write_text(f"{times}\n")

    def calls(self) -> list[str]:
        log = self.fake / "calls.log"
        return log.read_text().splitlines() if log.exists() else []

    # The command line -----------------------------------------------------------------------

    def cli(self, *args: str | Path, answers: str = "", timeout: float = 60) -> Outcome:
        """Run `playbook ARGS…` with `answers` as its standard input."""
        return invoke(*args, stdin=answers, env=self.env, cwd=self.root, timeout=timeout)

    #: The same as `cli`, by the name some tests use.
    invoke = cli

    def run(self, file: Path, *args: str, answers: str = "") -> Outcome:
        return self.cli("run", file, *args, *self.state.flags, answers=answers)

    def resume(self, file: Path, *args: str, answers: str = "") -> Outcome:
        return self.cli("resume", file, *args, *self.state.flags, answers=answers)

    def set_status(self, file: Path, *args: str, answers: str = "") -> Outcome:
        return self.cli("set-status", file, *args, *self.state.flags, answers=answers)

    def spawn(
        self, file: Path, *args: str, stdin: int = subprocess.DEVNULL
    ) -> subprocess.Popen[str]:
        """Start `playbook run` as a real process in its own session, as a shell starts a job."""
        return self.processes.spawn(
            playbook_command("run", file, *self.state.flags, *args),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            cwd=self.root,
            env=self.env,
        )

    # The state database ---------------------------------------------------------------------

    def rows(self, sql: str, *params: Any) -> list[Row]:
        return self.state.rows(sql, *params)

    def last_run(self) -> int:
        return int(self.rows("SELECT MAX(id) FROM runs")[0][0])

    def status(self, run_id: int) -> str:
        return str(self.rows("SELECT status FROM runs WHERE id = ?", run_id)[0][0])

    def states(self, run_id: int) -> dict[str, str]:
        rows = self.rows("SELECT node_id, state FROM node_states WHERE run_id = ?", run_id)
        return {row["node_id"]: row["state"] for row in rows}

    def attempts(self, run_id: int, node_id: str | None = None) -> list[Row]:
        rows = self.rows("SELECT * FROM attempts WHERE run_id = ? ORDER BY id", run_id)
        return [row for row in rows if node_id is None or row["node_id"] == node_id]

    def attempt_counts(self, run_id: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.attempts(run_id):
            counts[row["node_id"]] = counts.get(row["node_id"], 0) + 1
        return counts

    def events(self, run_id: int) -> list[Row]:
        return self.rows("SELECT * FROM events WHERE run_id = ? ORDER BY id", run_id)

    def started(self, run_id: int) -> list[str]:
        """Node ids in the order their first attempt started."""
        return [event["node_id"] for event in self.events(run_id) if event["trigger"] == "start"]


def wait_for(path: Path, timeout: float = 15.0) -> None:
    """Poll until a command has written `path` (it has started)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {timeout} s")
        time.sleep(0.02)
