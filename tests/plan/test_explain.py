"""`playbook explain` on real runs: success, an operator's skip, a failure branch, a resume, a
critical failure; and the state database is only read. The tests marked `both_backends` also
explain runs kept in PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import textwrap
from pathlib import Path

import pytest
from click.testing import Result
from plan_support import playbook
from state_databases import SQLiteDatabase, StateDatabase, both_backends

RUNBOOK = """\
[runbook]
title = "Deploy with rollback"

[build]
type = "Command"
command_name = "tool build"
prompt_after = ""

[deploy]
type = "Command"
command_name = "tool deploy"
prompt_after = ""

[rollback]
type = "Command"
command_name = "tool rollback"
prompt_after = ""
depends_on = ["deploy:failure"]

[verify]
type = "Command"
command_name = "tool verify"
prompt_after = ""
when = "{{ has_succeeded('deploy') or has_succeeded('rollback') }}"
"""
#: Fails while a file named after its argument holds a count above zero.
TOOL = """\
#!/bin/sh
counter="$FAKE_STATE/$1.fails"
if [ -f "$counter" ] && [ "$(cat "$counter")" -gt 0 ]; then
    echo $(( $(cat "$counter") - 1 )) > "$counter"
    exit 1
fi
"""


class Runs:
    """A runbook, a fake `tool` on PATH, and a state database, driven in this process."""

    def __init__(self, root: Path, text: str = RUNBOOK, state: StateDatabase | None = None) -> None:
        self.root = root
        self.runbook = root / "deploy.playbook.toml"
        self.runbook.write_text(textwrap.dedent(text), encoding="utf-8")
        self.state = state or SQLiteDatabase(root / "state.db")
        bin_dir = root / "bin"
        bin_dir.mkdir()
        (bin_dir / "tool").write_text(TOOL)
        (bin_dir / "tool").chmod(0o755)
        self.env = {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(root),
            "FAKE_STATE": str(root),
            "PLAYBOOK_CONFIG": "",
        }

    def fail(self, step: str, times: int = 1) -> None:
        (self.root / f"{step}.fails").write_text(f"{times}\n")

    def run(self, *args: str, answers: str = "", command: str = "run") -> Result:
        return playbook(
            command, self.runbook, *args, *self.state.flags, input=answers, env=self.env
        )

    def explain(self, run_id: int, node: str) -> str:
        result = playbook(
            "explain", self.runbook, str(run_id), node, *self.state.flags, env=self.env
        )
        assert result.exit_code == 0, result.output
        return result.stdout

    def clock(self, sql: str, *params: object) -> str:
        """A stored time as explain shows it (local wall-clock time)."""
        (stamp,) = self.state.rows(sql, *params)[0].values()
        return dt.datetime.fromisoformat(stamp).astimezone().strftime("%H:%M:%S")

    def settled(self, run_id: int, node: str) -> str:
        """When the node last changed state (a node settled without an attempt: skipped)."""
        return self.clock(
            "SELECT at FROM events WHERE run_id = ? AND node_id = ? ORDER BY id DESC LIMIT 1",
            run_id,
            node,
        )


def history(text: str) -> list[str]:
    """The events of explain's history, without their times (each checked to be one)."""
    lines = text.split("  history:\n", 1)[1].splitlines()
    for line in lines:
        dt.time.fromisoformat(line.split()[0])
    return [line.strip().split("  ", 1)[1] for line in lines]


@pytest.fixture
def runs(tmp_path: Path, state_database: StateDatabase) -> Runs:
    return Runs(tmp_path, state=state_database)


@both_backends
def test_a_successful_run(runs: Runs) -> None:
    assert runs.run().exit_code == 0
    deployed = runs.settled(1, "deploy")
    text = runs.explain(1, "deploy")
    assert text.splitlines()[:3] == [
        "deploy in run 1 of 'Deploy with rollback' (OK):",
        f"  succeeded at {deployed} after 1 attempt",
        "  it ran because it has no condition, and it starts once build settled",
    ]
    # The second may turn between deploy's end and rollback's skip.
    skipped = runs.settled(1, "rollback")
    assert runs.explain(1, "rollback").splitlines()[1] == (
        f"  skipped at {skipped}: condition `has_failed('deploy')` was false because"
        f" deploy succeeded at {deployed} after 1 attempt"
    )
    assert (
        f"its condition `has_succeeded('deploy') or has_succeeded('rollback')` was true: deploy"
        f" succeeded at {deployed} after 1 attempt, rollback was skipped at {skipped}"
        in runs.explain(1, "verify")
    )


def test_a_failure_the_operator_skipped_and_its_failure_branch(runs: Runs) -> None:
    runs.fail("deploy")
    assert runs.run(answers="s\n").exit_code == 1
    # The operator's answer comes after the failure, maybe a second later: it settles deploy.
    failed = runs.settled(1, "deploy")
    lines = runs.explain(1, "deploy").splitlines()
    assert lines[1] == f"  failed at {failed} after 1 attempt"
    assert lines[2].endswith(
        "chose skip at " + failed + ": it stays failed, so has_failed('deploy') is true for the"
        " nodes after it"
    )
    assert lines[-1].endswith("chose skip")
    assert runs.explain(1, "rollback").splitlines()[1:3] == [
        f"  succeeded at {runs.settled(1, 'rollback')} after 1 attempt",
        "  it ran because its condition `has_failed('deploy')` was true: deploy failed at"
        f" {failed} after 1 attempt (the operator skipped it: it stays failed)",
    ]


def test_a_retried_failure_lists_every_attempt(runs: Runs) -> None:
    runs.fail("deploy")
    assert runs.run(answers="r\n").exit_code == 0
    text = runs.explain(1, "deploy")
    assert f"succeeded at {runs.settled(1, 'deploy')} after 2 attempts" in text
    assert history(text) == [
        "attempt 1 started",
        "attempt 1 failed: exit code 1",
        "attempt 2 started (retry)",
        "attempt 2 succeeded",
    ]


@both_backends
def test_an_aborted_run_and_its_resume(runs: Runs) -> None:
    runs.fail("deploy")
    assert runs.run(answers="a\n").exit_code == 130
    aborted = runs.clock("SELECT finished_at FROM runs WHERE id = 1")
    assert runs.explain(1, "verify").splitlines()[1] == (
        f"  never started: the run was aborted at {aborted} (operator aborted at 'deploy')"
        " while it waited for rollback (had not started), deploy (failed at"
        f" {runs.settled(1, 'deploy')} after 1 attempt); resuming the run runs it"
    )
    assert runs.run(command="resume").exit_code == 0
    text = runs.explain(1, "deploy")
    assert f"succeeded at {runs.settled(1, 'deploy')} after 2 attempts" in text
    events = history(text)
    assert events == [
        "attempt 1 started",
        "attempt 1 failed: exit code 1",
        f"{events[2].split()[0]} chose abort",
        "the run was aborted",
        "the run was resumed",
        "reopened to run again",
        "attempt 2 started",
        "attempt 2 succeeded",
    ]
    assert "it ran because its condition" in runs.explain(1, "verify")


def test_nodes_after_a_critical_failure_never_start(tmp_path: Path) -> None:
    runs = Runs(
        tmp_path,
        RUNBOOK.replace(
            'command_name = "tool deploy"', 'command_name = "tool deploy"\ncritical = true'
        ),
    )
    runs.fail("deploy")
    assert runs.run("--max-retries", "1").exit_code == 1
    assert runs.explain(1, "verify").splitlines()[1] == (
        f"  never started: the run ended NOK at {runs.clock('SELECT finished_at FROM runs')}:"
        " critical node 'deploy' failed (1 attempt(s))"
    )
    assert "it is critical, so at" in runs.explain(1, "deploy")


def test_the_database_is_only_read(runs: Runs) -> None:
    assert runs.run().exit_code == 0
    db = Path(runs.state.shown)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    runs.explain(1, "deploy")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    missing = runs.root / "nowhere.db"
    result = playbook("explain", runs.runbook, "1", "deploy", "--state-path", missing)
    assert result.exit_code == 1
    assert f"error: no state database at {missing}" in result.stderr
    assert not missing.exists()


@both_backends
def test_unknown_runs_and_nodes_are_explained(runs: Runs) -> None:
    assert runs.run().exit_code == 0
    result = playbook("explain", runs.runbook, "1", "deplyo", *runs.state.flags)
    assert result.exit_code == 1
    assert "error: run 1 has no node 'deplyo'\n  hint: did you mean 'deploy'?" in result.stderr
    result = playbook("explain", runs.runbook, "7", "deploy", *runs.state.flags)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: no run 7 in {runs.state.shown}\n"
        f"  hint: check the run id and {runs.state.flags[0]}\n"
    )
