"""A run belongs to the runbook it was started from; `resume --force` never crosses runbooks."""

from __future__ import annotations

import pytest
from runtime_support import Workspace

DEPLOY = """\
[runbook]
title = "Deploy"

[build]
type = "Command"
command_name = "make build"
prompt_after = ""

[deploy]
type = "Command"
command_name = "deploy.sh"
prompt_after = ""
"""

OTHER = """\
[runbook]
title = "Database maintenance"

[build]
type = "Command"
command_name = "echo vacuum"
prompt_after = ""

[reindex]
type = "Command"
command_name = "echo reindex"
prompt_after = ""
"""


def aborted_run(ws: Workspace) -> int:
    """An ABORTED run of deploy.playbook.toml: build ok, deploy failed (abort)."""
    file = ws.runbook(DEPLOY, "deploy.playbook.toml")
    ws.fail("deploy.sh")
    assert ws.invoke("run", file, "--state-path", ws.db, answers="a\n").code == 130
    return ws.last_run()


@pytest.mark.parametrize("force", [False, True])
def test_a_run_of_another_runbook_is_never_resumed(ws: Workspace, force: bool) -> None:
    run_id = aborted_run(ws)
    other = ws.runbook(OTHER, "other.playbook.toml")
    before = ws.rows("SELECT node_id, state FROM node_states WHERE run_id = ?", run_id)
    args = ["resume", other, str(run_id), "--state-path", ws.db] + (["--force"] if force else [])
    refused = ws.invoke(*args)
    assert refused.code == 1
    assert refused.stderr == (
        f"error: run {run_id} is a run of {ws.root / 'deploy.playbook.toml'} ('Deploy'),"
        f" not of {other} ('Database maintenance')\n"
        f"  hint: resume it with `playbook resume {ws.root / 'deploy.playbook.toml'} {run_id}`,"
        f" or start a run of {other} with `playbook run {other}`; --force never resumes a run"
        " of another runbook\n"
    )
    assert ws.rows("SELECT node_id, state FROM node_states WHERE run_id = ?", run_id) == before
    assert ws.status(run_id) == "ABORTED"
    assert "echo" not in ws.calls()


def test_a_moved_runbook_with_the_same_text_is_the_same_workflow(ws: Workspace) -> None:
    run_id = aborted_run(ws)
    moved = ws.root / "moved.playbook.toml"
    (ws.root / "deploy.playbook.toml").rename(moved)
    resumed = ws.invoke("resume", moved, str(run_id), "--state-path", ws.db)
    assert resumed.code == 0, resumed.stdout + resumed.stderr
    assert ws.states(run_id) == {"build": "ok", "deploy": "ok"}


def test_a_changed_runbook_of_the_same_workflow_needs_force(ws: Workspace) -> None:
    run_id = aborted_run(ws)
    file = ws.root / "deploy.playbook.toml"
    file.write_text(DEPLOY.replace('"deploy.sh"', '"deploy.sh --fast"'), encoding="utf-8")
    refused = ws.invoke("resume", file, str(run_id), "--state-path", ws.db)
    assert refused.code == 1
    assert refused.stderr.startswith(f"error: {file} changed since run {run_id} started\n")
    forced = ws.invoke("resume", file, str(run_id), "--state-path", ws.db, "--force")
    assert forced.code == 0, forced.stdout + forced.stderr
    assert ws.calls()[-1] == "deploy.sh --fast"


@pytest.mark.parametrize(
    ("answer", "removed_state", "status"),
    [
        # Aborted at the failure: the node would run again, but it is gone: skipped.
        ("a\n", "skipped", "OK"),
        # The operator skipped the failure before aborting later: it stays failed.
        ("s\na\n", "failed", "NOK"),
    ],
)
def test_after_resume_force_without_a_node_the_summary_and_status_agree(
    ws: Workspace, answer: str, removed_state: str, status: str
) -> None:
    file = ws.runbook(
        DEPLOY + '\n[verify]\ntype = "Command"\ncommand_name = "curl"\nprompt_before = "Go?"\n',
        "deploy.playbook.toml",
    )
    ws.fail("deploy.sh")
    # deploy fails: abort at once, or skip it and abort at verify's question.
    assert ws.invoke("run", file, "--state-path", ws.db, answers=answer + "n\na\n").code == 130
    run_id = ws.last_run()
    file.write_text(
        DEPLOY.replace(
            '[deploy]\ntype = "Command"\ncommand_name = "deploy.sh"\nprompt_after = ""\n', ""
        )
        + '\n[verify]\ntype = "Command"\ncommand_name = "curl"\n',
        encoding="utf-8",
    )
    resumed = ws.invoke("resume", file, str(run_id), "--state-path", ws.db, "--force")
    assert resumed.code == {"OK": 0, "NOK": 1}[status], resumed.stdout + resumed.stderr
    assert ws.status(run_id) == status
    assert ws.states(run_id)["deploy"] == removed_state
    summary = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in resumed.stdout.splitlines()
        if line.startswith("│")
    }
    assert summary == {"build": "ok", "deploy": removed_state, "verify": "ok"}
    assert resumed.stdout.rstrip().endswith(f"Run status: {status}")
    if removed_state == "skipped":
        reason = ws.rows(
            "SELECT reason FROM node_states WHERE run_id = ? AND node_id = 'deploy'", run_id
        )[0][0]
        assert reason == "removed from the runbook"


def test_after_resume_force_a_completed_node_now_after_a_reopened_one_stays_done(
    ws: Workspace,
) -> None:
    run_id = aborted_run(ws)
    file = ws.root / "deploy.playbook.toml"
    # The edit puts build, which completed, after deploy, which runs again.
    file.write_text(
        '[runbook]\ntitle = "Deploy"\n\n'
        '[deploy]\ntype = "Command"\ncommand_name = "deploy.sh"\nprompt_after = ""\n\n'
        '[build]\ntype = "Command"\ncommand_name = "make build"\nprompt_after = ""\n',
        encoding="utf-8",
    )
    resumed = ws.invoke("resume", file, str(run_id), "--state-path", ws.db, "--force")
    assert resumed.code == 0, resumed.stdout + resumed.stderr
    assert ws.states(run_id) == {"build": "ok", "deploy": "ok"}
    assert ws.attempt_counts(run_id) == {"build": 1, "deploy": 2}
    assert ws.calls() == ["make build", "deploy.sh ", "deploy.sh "]
