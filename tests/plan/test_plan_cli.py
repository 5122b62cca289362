"""`playbook plan` as an operator uses it: what-if questions, unknown values, secrets, JSON, and
that nothing runs and no database is touched."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from plan_support import REPO, playbook

PIPELINE = REPO / "examples" / "deployment-pipeline.playbook.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.playbook.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def node_lines(stdout: str) -> dict[str, str]:
    """The text after each node's id and type in the plan's numbered list."""
    found = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) > 3 and parts[0].rstrip(".").isdigit():
            found[parts[1]] = " ".join(parts[3:])
    return found


def test_what_runs_if_a_step_fails() -> None:
    result = playbook(
        "plan", PIPELINE, "--var", "ENVIRONMENT=dev", "--assume", "health_check=failed"
    )
    assert result.exit_code == 0, result.output
    lines = node_lines(result.stdout)
    assert lines["health_check"] == (
        "runs only if deploy_application succeeds, and then fails (assumed)"
    )
    assert lines["rollback_on_failure"] == "runs only if health_check fails"
    assert lines["notify_success"] == (
        "skipped: condition `has_succeeded('health_check')` is false: health_check fails"
        " (assumed) or is skipped"
    )
    assert lines["security_scan"] == (
        "skipped: condition `ENVIRONMENT == 'prod'` is false: ENVIRONMENT is 'dev'"
    )


def test_unknown_variables_stay_open_in_words() -> None:
    result = playbook("plan", PIPELINE)
    assert result.exit_code == 0, result.output
    assert "  ENVIRONMENT: not given, so unknown" in result.stdout
    assert node_lines(result.stdout)["security_scan"] == (
        "runs only if `ENVIRONMENT == 'prod'`; critical: its failure ends the run"
    )


def test_a_critical_failure_ends_the_run_before_later_nodes() -> None:
    result = playbook(
        "plan", PIPELINE, "--var", "ENVIRONMENT=prod", "--assume", "security_scan=failed"
    )
    lines = node_lines(result.stdout)
    assert lines["security_scan"].startswith("runs and fails (assumed); critical")
    assert lines["deploy_application"] == (
        "never runs: the run ends when critical node 'security_scan' fails"
    )


def test_json(tmp_path: Path) -> None:
    every = [f"--assume={node}=ok" for node in ("build_app", "run_tests", "security_scan")]
    result = playbook("plan", PIPELINE, "--var", "ENVIRONMENT=prod", *every, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["runbook"] == "myapp Deployment Pipeline"
    assert report["variables"]["ENVIRONMENT"] == "prod" and report["unknown_variables"] == []
    nodes = {node["id"]: node for node in report["nodes"]}
    assert nodes["security_scan"] == {
        "id": "security_scan",
        "type": "Command",
        "course": "runs",
        "reason": None,
        "assumed": "ok",
        "critical": True,
        "outcome": "ok",
        "questions": [{"kind": "after", "text": "Continue with the next step?"}],
    }
    assert nodes["health_check"]["course"] == "runs only if"
    assert nodes["health_check"]["reason"] == "deploy_application succeeds"
    assert report["status"] is None


def test_nothing_runs_and_no_database_is_touched(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    runbook = write(
        tmp_path,
        f"""\
        [runbook]
        title = "Side effects"

        [touch]
        type = "Command"
        command_name = "touch {marker}"
        """,
    )
    database = tmp_path / "state.db"
    result = playbook("plan", runbook, env={"PLAYBOOK_DB_PATH": str(database)})
    assert result.exit_code == 0, result.output
    assert node_lines(result.stdout) == {"touch": "runs"}
    assert not marker.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["plan.playbook.toml"]


def test_manual_nodes_and_prompts_are_the_operators_decisions(tmp_path: Path) -> None:
    runbook = write(
        tmp_path,
        """\
        [runbook]
        title = "Decisions"

        [variables]
        TOKEN = { secret = true }

        [approve]
        type = "Manual"
        prompt_after = "Ship it?"

        [deploy]
        type = "Command"
        command_name = "true"
        prompt_before = "Deploy with {{ TOKEN }}?"
        prompt_after = ""
        """,
    )
    result = playbook("plan", runbook, "--var", "TOKEN=hunter2")
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output
    assert result.stdout.split("Questions the operator will answer:\n")[1].splitlines() == [
        "  to approve: Ship it?  (approve)",
        "  before it starts: Deploy with [REDACTED]?  (deploy)",
        "  a failure asks: retry, skip (not for critical nodes) or abort",
    ]


def test_conditions_that_cannot_be_evaluated_and_templated_flags(tmp_path: Path) -> None:
    runbook = write(
        tmp_path,
        """\
        [runbook]
        title = "Unset and templated"

        [variables]
        LIMIT = { type = "int" }
        QUICK = { type = "bool", required = true }

        [check]
        type = "Command"
        command_name = "true"
        when = "{{ LIMIT > 3 }}"

        [tests]
        type = "Command"
        command_name = "true"
        skip = "{{ QUICK }}"
        """,
    )
    result = playbook("plan", runbook)
    lines = node_lines(result.stdout)
    assert (
        lines["check"] == "fails: its condition cannot be evaluated: variable 'LIMIT' has no value"
    )
    assert lines["tests"] == "runs only if skip = `{{ QUICK }}` renders false"
    given = node_lines(playbook("plan", runbook, "--var", "QUICK=yes").stdout)
    assert given["tests"] == "skipped: skip = true"


def test_assumptions_that_are_wrong_or_do_not_apply() -> None:
    result = playbook("plan", PIPELINE, "--assume", "deploy=failed")
    assert result.exit_code == 1
    assert "error: --assume names no node of this runbook: 'deploy'" in result.stderr
    result = playbook("plan", PIPELINE, "--assume", "build_app=broken")
    assert result.exit_code == 1
    assert "is not NODE=ok, NODE=failed or NODE=skipped" in result.stderr
    result = playbook(
        "plan", PIPELINE, "--var", "ENVIRONMENT=dev", "--assume", "security_scan=failed"
    )
    assert (
        "  note: --assume security_scan=failed does not apply: security_scan skipped"
        " (condition `ENVIRONMENT == 'prod'` is false: ENVIRONMENT is 'dev')" in result.stdout
    )


def test_values_are_checked_as_run_checks_them(tmp_path: Path) -> None:
    result = playbook("plan", PIPELINE, "--var", "ENVIRONMENT=qa")
    assert result.exit_code == 1
    assert "variable 'ENVIRONMENT' from --var: 'qa' is not one of" in result.stderr
    runbook = write(
        tmp_path,
        """\
        [runbook]
        title = "Broken template"

        [variables]
        COUNT = { default = 0 }

        [divide]
        type = "Command"
        command_name = "echo {{ 10 // COUNT }}"
        """,
    )
    result = playbook("plan", runbook)
    assert result.exit_code == 1
    assert "node 'divide' field 'command_name'" in result.stderr
