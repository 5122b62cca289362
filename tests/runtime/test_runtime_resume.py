"""Interrupts, aborts and resumes: CTRL-C, SIGTERM, SIGKILL + set-status, closed input, edits.

The run/resume flows marked `both_backends` also run with the state in PostgreSQL.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from runtime_support import OPERATOR, Workspace, wait_for
from state_databases import both_backends

# `migrate` blocks until it is interrupted; once it has started before, it finishes at once.
INTERRUPTIBLE = """\
[runbook]
title = "Database migration"

[prepare]
type = "Command"
command_name = "deploy.sh"
prompt_after = ""

[migrate]
type = "Command"
command_name = '''
if [ -f "$FAKE_STATE/started" ]; then echo "migration finished"; exit 0; fi
trap 'echo "$PLAYBOOK_NODE_ID got SIGINT" > "$FAKE_STATE/got-int"; exit 130' INT
echo $$ > "$FAKE_STATE/started"
while :; do sleep 0.05; done
'''
prompt_after = ""

[finish]
type = "Command"
command_name = "cleanup.sh"
prompt_after = ""
"""


def start_migration(ws: Workspace) -> tuple[Path, int]:
    """Start a run, wait until `migrate` is running; returns the file and the playbook's pid."""
    file = ws.runbook(INTERRUPTIBLE)
    process = ws.spawn(file)
    wait_for(ws.fake / "started")
    return file, process.pid


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stop", "target"),
    [(signal.SIGINT, "group"), (signal.SIGTERM, "process")],
    ids=["ctrl-c", "sigterm"],
)
def test_an_interrupted_run_is_aborted_then_resumed_without_redoing_work(
    ws: Workspace, stop: signal.Signals, target: str
) -> None:
    file = ws.runbook(INTERRUPTIBLE)
    process = ws.spawn(file)
    wait_for(ws.fake / "started")
    if target == "group":  # CTRL-C: the terminal signals the foreground process group
        os.killpg(process.pid, stop)
    else:
        os.kill(process.pid, stop)
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 130, stdout
    run_id = ws.last_run()
    assert "Run status: ABORTED" in stdout
    assert f"Resume with: playbook resume {file} {run_id} --state-path {ws.db}" in stdout
    # The command's own process group got the interrupt.
    assert (ws.fake / "got-int").read_text() == "migrate got SIGINT\n"
    assert ws.status(run_id) == "ABORTED"
    assert ws.states(run_id) == {"prepare": "ok", "migrate": "interrupted", "finish": "pending"}
    interrupted = ws.attempts(run_id, "migrate")[0]
    assert interrupted["status"] == "interrupted"
    assert interrupted["finished_at"] is not None

    # The migration was stopped half-way: its outcome is unknown, so the operator decides.
    resumed = ws.resume(file, answers="r\n")
    assert resumed.code == 0, resumed.text
    assert (
        "migrate: attempt 1 was interrupted, outcome unknown. Run it again or record it?"
        " [r]un again/[s]ucceeded/[f]ailed: r"
    ) in resumed.stdout
    assert "migration finished" in resumed.stdout
    assert ws.status(run_id) == "OK"
    assert ws.attempt_counts(run_id) == {"prepare": 1, "migrate": 2, "finish": 1}
    assert ws.calls() == ["deploy.sh ", "cleanup.sh "]
    run_events = [
        (e["trigger"], e["source"], e["dest"]) for e in ws.events(run_id) if e["node_id"] is None
    ]
    assert run_events == [
        ("create", "none", "RUNNING"),
        ("abort", "RUNNING", "ABORTED"),
        ("resume", "ABORTED", "RUNNING"),
        ("finish", "RUNNING", "OK"),
    ]


@pytest.mark.slow
@both_backends
def test_a_killed_run_is_marked_aborted_by_hand_then_resumed(ws: Workspace) -> None:
    file, pid = start_migration(ws)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    # SIGKILL gives the playbook no chance to stop its command: end it like a reboot would.
    os.killpg(int((ws.fake / "started").read_text()), signal.SIGKILL)
    run_id = ws.last_run()
    assert ws.status(run_id) == "RUNNING"

    # Its process is gone: resume offers to take the orphaned run over; "no" leaves it alone.
    declined = ws.resume(file, answers="n\n")
    assert declined.code == 1
    assert (
        f"Run {run_id} is RUNNING, but the process that ran it is gone. Take it over and resume"
        " it? [y]es/[n]o: n"
    ) in declined.stdout
    assert f"run {run_id} left as it is" in declined.stderr
    assert ws.status(run_id) == "RUNNING"

    # The specification's way still works: mark it ABORTED by hand, then resume.
    kept = ws.set_status(file, str(run_id), "ABORTED", answers="n\n")
    assert kept.code == 1
    assert f"Change run {run_id} (Database migration) from RUNNING to ABORTED?" in kept.stdout
    assert "status left unchanged" in kept.stderr
    assert ws.status(run_id) == "RUNNING"

    changed = ws.set_status(file, str(run_id), "ABORTED", answers="y\n")
    assert changed.code == 0, changed.text
    assert f"run {run_id}: RUNNING → ABORTED" in changed.stdout
    event = ws.events(run_id)[-1]
    assert (event["trigger"], event["dest"], event["operator"]) == (
        "set-status",
        "ABORTED",
        OPERATOR,
    )

    resumed = ws.resume(file, str(run_id), answers="r\n")
    assert resumed.code == 0, resumed.text
    assert ws.status(run_id) == "OK"
    assert ws.attempt_counts(run_id) == {"prepare": 1, "migrate": 2, "finish": 1}
    lost, rerun = ws.attempts(run_id, "migrate")
    assert (lost["status"], lost["exception"]) == (
        "interrupted",
        "the run's process ended during this attempt",
    )
    assert rerun["status"] == "ok"


@both_backends
def test_resume_takes_over_an_orphaned_run(ws: Workspace) -> None:
    file, pid = start_migration(ws)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    run_id = ws.last_run()

    resumed = ws.resume(file, "--force", answers="r\n")
    assert resumed.code == 0, resumed.text
    assert "Take it over" not in resumed.stdout
    assert ws.status(run_id) == "OK"
    run_events = [
        (e["trigger"], e["source"], e["dest"], e["detail"])
        for e in ws.events(run_id)
        if e["node_id"] is None
    ]
    assert run_events == [
        ("create", "none", "RUNNING", None),
        ("abort", "RUNNING", "ABORTED", "orphaned: taken over by resume"),
        ("resume", "ABORTED", "RUNNING", "resumed"),
        ("finish", "RUNNING", "OK", None),
    ]


def test_closed_input_aborts_and_the_run_resumes_with_answers(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Needs an operator"

        [build]
        type = "Command"
        command_name = "make build"
        prompt_after = ""

        [deploy]
        type = "Command"
        command_name = "deploy.sh"
        prompt_before = "Deploy now?"
        """
    )
    closed = ws.run(file, answers="")
    assert closed.code == 130, closed.text
    assert "standard input is closed" in closed.stdout
    run_id = ws.last_run()
    assert ws.status(run_id) == "ABORTED"
    assert ws.states(run_id)["build"] == "ok"

    resumed = ws.resume(file, str(run_id), answers="y\n")
    assert resumed.code == 0, resumed.text
    assert "Deploy now? [y]es/[n]o: y" in resumed.stdout
    assert ws.attempt_counts(run_id)["build"] == 1
    # The first attempt stopped at its question, before its work began: known not done.
    first, second = ws.attempts(run_id, "deploy")
    assert (first["status"], second["status"]) == ("interrupted", "ok")
    assert first["exception"].startswith("stopped before its work began: standard input is closed")


def test_a_success_waiting_for_its_confirmation_is_not_done_twice(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Confirm each step"

        [deploy]
        type = "Command"
        command_name = "deploy.sh"
        prompt_after = "Deployed. Carry on?"

        [announce]
        type = "Command"
        command_name = "echo announced"
        prompt_after = ""
        """
    )
    closed = ws.run(file, answers="")
    assert closed.code == 130, closed.text
    run_id = ws.last_run()
    # deploy's work was done; only the answer was missing: resuming continues after it.
    assert ws.states(run_id) == {"deploy": "ok", "announce": "pending"}
    resumed = ws.resume(file, str(run_id))
    assert resumed.code == 0, resumed.text
    assert "announced" in resumed.stdout
    assert ws.attempt_counts(run_id) == {"deploy": 1, "announce": 1}
    assert ws.calls() == ["deploy.sh "]


def test_answers_that_are_never_valid_abort_instead_of_looping(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Confused operator"

        [deploy]
        type = "Command"
        command_name = "deploy.sh"
        prompt_before = "Deploy?"
        """
    )
    result = ws.run(file, answers="maybe\nlater\nsure\ny\n")
    assert result.code == 130, result.text
    assert result.stdout.count("Please answer one of: yes, no.") == 3
    assert "no valid answer" in result.stdout
    assert ws.status(ws.last_run()) == "ABORTED"


def test_resume_refuses_a_changed_runbook_unless_forced(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Edited"

        [deploy]
        type = "Command"
        command_name = "deploy.sh"
        prompt_after = ""
        """
    )
    ws.fail("deploy.sh")
    assert ws.run(file, answers="a\n").code == 130
    run_id = ws.last_run()
    with file.open("a") as handle:
        handle.write('\n[announce]\ntype = "Command"\ncommand_name = "echo announced"\n')

    refused = ws.resume(file)
    assert refused.code == 1
    assert f"{file} changed since run {run_id} started" in refused.stderr
    assert f"playbook resume {file} {run_id} --force" in refused.stderr
    assert ws.calls() == ["deploy.sh "]
    assert ws.status(run_id) == "ABORTED"

    forced = ws.resume(file, "--force", answers="y\n")
    assert forced.code == 0, forced.text
    # The node added since the run started runs too (it confirms with the default question).
    assert "announced" in forced.stdout
    assert ws.states(run_id) == {"deploy": "ok", "announce": "ok"}
    assert ws.status(run_id) == "OK"

    done = ws.resume(file, str(run_id))
    assert done.code == 1
    assert f"run {run_id} completed OK: there is nothing to resume" in done.stderr


@both_backends
def test_resume_keeps_the_runs_variables_unless_overridden(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [variables]
        VERSION = { default = "1.0.0", description = "Version to deploy" }

        [runbook]
        title = "Deploy {{VERSION}}"

        [deploy]
        type = "Command"
        command_name = "deploy.sh {{VERSION}}"
        prompt_after = ""
        """
    )
    ws.fail("deploy.sh", times=2)
    assert ws.run(file, "--var", "VERSION=1.2.3", answers="a\n").code == 130
    run_id = ws.last_run()
    assert ws.resume(file, answers="a\n").code == 130
    resumed = ws.resume(file, str(run_id), "--var", "VERSION=1.2.4")
    assert resumed.code == 0, resumed.text
    assert ws.calls() == ["deploy.sh 1.2.3", "deploy.sh 1.2.3", "deploy.sh 1.2.4"]
    stored = ws.rows("SELECT variables FROM runs WHERE id = ?", run_id)[0]["variables"]
    assert stored == '{"VERSION": "1.2.4"}'


def test_resume_keeps_a_skipped_failure_and_its_branch(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Lint, deploy, report"

        [lint]
        type = "Command"
        command_name = "make lint"
        prompt_after = ""

        [deploy]
        type = "Command"
        command_name = "deploy.sh"
        prompt_after = ""

        [report_lint]
        type = "Command"
        command_name = "echo lint needs attention"
        depends_on = ["lint:failure", "deploy"]
        prompt_after = ""
        """
    )
    ws.fail("make-lint")
    ws.fail("deploy.sh")
    aborted = ws.run(file, answers="s\na\n")
    assert aborted.code == 130, aborted.text
    run_id = ws.last_run()

    resumed = ws.resume(file)
    assert resumed.code == 1, resumed.text
    assert "lint needs attention" in resumed.stdout
    assert ws.calls() == ["make lint", "deploy.sh ", "deploy.sh "]
    assert ws.states(run_id) == {"lint": "failed", "deploy": "ok", "report_lint": "ok"}
    assert ws.attempt_counts(run_id) == {"lint": 1, "deploy": 2, "report_lint": 1}
    assert ws.status(run_id) == "NOK"


def test_a_stop_before_an_ended_attempt_is_recorded_keeps_its_outcome(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CTRL-C may land after a command returned and before its end is recorded, here while the
    interpreter looks for a next step to decide whether to ask "Continue?" (the interrupt is
    raised there, as the signal handler would). The attempt is recorded as it ended, never as
    one whose work did not begin, so resuming does not run the command a second time."""
    file = ws.runbook(
        """\
        [runbook]
        title = "Stopped between the work and its record"

        [deploy]
        type = "Command"
        command_name = "deploy.sh"

        [announce]
        type = "Command"
        command_name = "echo announced"
        prompt_after = ""
        """
    )

    def interrupted(*args: object) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr("playbook.runtime.interpreter.next_step_may_run", interrupted)
    stopped = ws.run(file)
    assert stopped.code == 130, stopped.text
    run_id = ws.last_run()
    assert ws.states(run_id) == {"deploy": "ok", "announce": "pending"}
    assert ws.attempts(run_id, "deploy")[0]["status"] == "ok"
    monkeypatch.undo()
    resumed = ws.resume(file, str(run_id))
    assert resumed.code == 0, resumed.text
    assert ws.calls() == ["deploy.sh "]
