"""Failure handling: retry, skip, abort, critical nodes, --max-retries, approvals, conditions."""

from __future__ import annotations

from pathlib import Path

from runtime_support import Workspace

DEPLOY_WITH_ROLLBACK = """\
    [runbook]
    title = "Deploy with a rollback branch"

    [deploy]
    type = "Command"
    command_name = "deploy.sh"
    prompt_after = ""
    {critical}

    [rollback]
    type = "Command"
    command_name = "rollback.sh"
    depends_on = ["deploy:failure"]
    prompt_after = ""

    [report]
    type = "Command"
    command_name = "echo reporting the failed deploy"
    depends_on = ["deploy"]
    when = "{{{{ has_failed('deploy') }}}}"
    prompt_after = ""
"""


def deploy_runbook(ws: Workspace, *, critical: bool = False) -> Path:
    return ws.runbook(DEPLOY_WITH_ROLLBACK.format(critical="critical = true" if critical else ""))


def test_retry_then_success(ws: Workspace) -> None:
    file = deploy_runbook(ws)
    ws.fail("deploy.sh", times=1)
    result = ws.run(file, answers="r\n")
    assert result.code == 0, result.text
    assert "deploy failed. What now? [r]etry/[s]kip/[a]bort: r" in result.stdout
    assert "(attempt 2)" in result.stdout
    assert "deploy.sh : simulated failure" in result.stderr
    run_id = ws.last_run()
    attempts = ws.attempts(run_id, "deploy")
    assert [(a["attempt"], a["status"], a["exit_code"], a["decision"]) for a in attempts] == [
        (1, "failed", 1, "retry"),
        (2, "ok", 0, None),
    ]
    assert "simulated failure" in attempts[0]["stderr"]
    assert attempts[1]["stdout"] == "deploy.sh : done\n"
    assert ws.states(run_id) == {"deploy": "ok", "rollback": "skipped", "report": "skipped"}
    assert ws.status(run_id) == "OK"


def test_skipped_failure_stays_failed_and_its_branches_run(ws: Workspace) -> None:
    file = deploy_runbook(ws)
    ws.fail("deploy.sh", times=9)
    result = ws.run(file, "--max-retries", "2", answers="r\ns\n")
    assert result.code == 1, result.text
    # The second failure used up --max-retries: Retry is no longer offered.
    assert "deploy: no retries left (--max-retries 2)" in result.stdout
    assert "deploy failed. What now? [s]kip/[a]bort: s" in result.stdout
    assert "reporting the failed deploy" in result.stdout
    run_id = ws.last_run()
    assert ws.states(run_id) == {"deploy": "failed", "rollback": "ok", "report": "ok"}
    decision = ws.rows(
        "SELECT decision FROM node_states WHERE run_id = ? AND node_id = 'deploy'", run_id
    )
    assert decision[0]["decision"] == "skip"
    assert [a["decision"] for a in ws.attempts(run_id, "deploy")] == ["retry", "skip"]
    assert ws.calls() == ["deploy.sh ", "deploy.sh ", "rollback.sh "]
    assert "Run status: NOK" in result.stdout

    refused = ws.resume(file, str(run_id))
    assert refused.code == 1
    assert f"run {run_id} failed (NOK) and cannot be resumed" in refused.stderr
    assert f"start a new run with `playbook run {file}`" in refused.stderr
    assert len(ws.calls()) == 3


def test_critical_failure_ends_the_run_nok_and_cannot_be_resumed(ws: Workspace) -> None:
    file = deploy_runbook(ws, critical=True)
    ws.fail("deploy.sh", times=9)
    result = ws.run(file, "--max-retries", "2", answers="r\n")
    assert result.code == 1, result.text
    assert "deploy is critical: it cannot be skipped" in result.stdout
    assert "deploy failed. What now? [r]etry/[a]bort: r" in result.stdout
    # No question after the last allowed attempt: the run is over.
    assert result.stdout.count("What now?") == 1
    assert "deploy: no retries left (--max-retries 2)" in result.stdout
    assert "critical node 'deploy' failed (2 attempt(s)): the run ends NOK" in result.stdout
    assert "Run status: NOK" in result.stdout
    run_id = ws.last_run()
    assert ws.states(run_id) == {"deploy": "failed", "rollback": "pending", "report": "pending"}
    assert ws.status(run_id) == "NOK"
    final = ws.events(run_id)[-1]
    assert (final["trigger"], final["source"], final["dest"]) == ("fail", "RUNNING", "NOK")

    refused = ws.resume(file, str(run_id))
    assert refused.code == 1
    assert "failed (NOK) and cannot be resumed" in refused.stderr
    latest = ws.resume(file)
    assert latest.code == 1
    assert f"no aborted or orphaned run of {file} to resume" in latest.stderr
    assert ws.calls() == ["deploy.sh ", "deploy.sh "]


def test_abort_on_failure_is_resumable(ws: Workspace) -> None:
    file = deploy_runbook(ws)
    ws.fail("deploy.sh", times=1)
    aborted = ws.run(file, answers="a\n")
    assert aborted.code == 130, aborted.text
    run_id = ws.last_run()
    assert "Run status: ABORTED" in aborted.stdout
    assert f"Resume with: playbook resume {file} {run_id} --state-path {ws.db}" in aborted.stdout
    assert ws.status(run_id) == "ABORTED"

    resumed = ws.resume(file, str(run_id))
    assert resumed.code == 0, resumed.text
    assert f"Resuming run {run_id}" in resumed.stdout
    assert [(a["attempt"], a["status"]) for a in ws.attempts(run_id, "deploy")] == [
        (1, "failed"),
        (2, "ok"),
    ]
    assert ws.status(run_id) == "OK"


def test_manual_approval_yes_and_no(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Change approval"

        [approve]
        type = "Manual"
        description = "Check the **change ticket** before going on."
        prompt_after = "Approve the change?"

        [apply]
        type = "Command"
        command_name = "deploy.sh"
        depends_on = ["approve:success"]
        prompt_after = ""
        """
    )
    approved = ws.run(file, answers="yes\n")
    assert approved.code == 0, approved.text
    assert "Check the change ticket before going on." in approved.stdout
    assert "Approve the change? [y]es/[n]o: yes" in approved.stdout
    first = ws.last_run()
    assert ws.states(first) == {"approve": "ok", "apply": "ok"}
    assert ws.attempts(first, "approve")[0]["result"] == '"approved"'

    rejected = ws.run(file, answers="no\ns\n")
    assert rejected.code == 1, rejected.text
    second = ws.last_run()
    assert ws.states(second) == {"approve": "failed", "apply": "skipped"}
    attempt = ws.attempts(second, "approve")[0]
    assert attempt["exception"] == "not approved: Approve the change?"
    assert attempt["decision"] == "skip"
    assert ws.calls() == ["deploy.sh "]


def test_declined_prompt_before_does_not_run_the_command(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Careful"

        [deploy]
        type = "Command"
        command_name = "deploy.sh"
        prompt_before = "Is the maintenance window open?"
        prompt_after = ""
        """
    )
    declined = ws.run(file, answers="n\na\n")
    assert declined.code == 130, declined.text
    assert "Is the maintenance window open? [y]es/[n]o: n" in declined.stdout
    run_id = ws.last_run()
    attempt = ws.attempts(run_id, "deploy")[0]
    assert attempt["status"] == "failed"
    assert attempt["exception"] == "declined: Is the maintenance window open?"
    assert ws.calls() == []

    resumed = ws.resume(file, answers="y\n")
    assert resumed.code == 0, resumed.text
    assert ws.calls() == ["deploy.sh "]


def test_a_condition_that_cannot_be_evaluated_fails_closed(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [variables]
        COUNT = { default = 3, type = "int" }

        [runbook]
        title = "Bad comparison"

        [deploy]
        type = "Command"
        command_name = "deploy.sh"
        when = "{{ COUNT < 'abc' }}"
        prompt_after = ""
        """
    )
    result = ws.run(file, answers="s\n")
    assert result.code == 1, result.text
    assert "cannot compare 3 < 'abc'" in result.stdout
    # Retrying cannot help a condition: only Skip and Abort are offered, without talk of retries.
    assert "deploy failed. What now? [s]kip/[a]bort: s" in result.stdout
    assert "no retries left" not in result.stdout
    run_id = ws.last_run()
    assert ws.states(run_id) == {"deploy": "failed"}
    reason = ws.rows("SELECT reason FROM node_states WHERE run_id = ?", run_id)[0]["reason"]
    assert "cannot compare" in reason
    assert ws.attempts(run_id) == []
    assert ws.calls() == []
