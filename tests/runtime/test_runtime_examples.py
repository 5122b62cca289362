"""Every example runbook, run through the real CLI with scripted answers and fake tools."""

from __future__ import annotations

import hashlib

import pytest
from runtime_support import EXAMPLES, Workspace

# Like `yes | playbook run …`: far more answers than questions.
YES = "y\n" * 1000


def test_hello_runs_unattended(ws: Workspace) -> None:
    result = ws.run(EXAMPLES / "hello.playbook.toml")
    assert result.code == 0, result.text
    assert "Hello, operator!" in result.stdout
    assert "[INFO] Hello from a plugin function" in result.stdout
    run_id = ws.last_run()
    assert f"run {run_id}, node check" in result.stdout
    assert "Run status: OK" in result.stdout
    assert ws.states(run_id) == {"greet": "ok", "notify": "ok", "check": "ok"}


@pytest.mark.parametrize(
    ("example", "order"),
    [
        ("dependency-implicit", ["step1", "step2", "step3"]),
        ("dependency-keywords", ["step1", "step2", "final"]),
        (
            "dependency-explicit",
            ["build", "deploy", "step1", "step3", "other_node", "complex_node"],
        ),
    ],
)
def test_dependency_examples_run_in_declaration_order(
    ws: Workspace, example: str, order: list[str]
) -> None:
    result = ws.run(EXAMPLES / f"{example}.playbook.toml", answers=YES)
    assert result.code == 0, result.text
    # Asked after every step but the last, where there is no next step.
    assert result.stdout.count("Continue with the next step? [y]es/[n]o: y") == len(order) - 1
    run_id = ws.last_run()
    assert ws.started(run_id) == order
    assert set(ws.states(run_id).values()) == {"ok"}


def test_numbered_steps_run_under_their_own_ids(ws: Workspace) -> None:
    """Ids that start with a digit or hold dots, spaces and accents: commands, state, history."""
    file = EXAMPLES / "numbered-steps.playbook.toml"
    result = ws.run(file, answers=YES)
    assert result.code == 0, result.text
    assert "backing up (01_backup)" in result.stdout
    assert "2fa check" in result.stdout and "03.2 réindexer" in result.stdout
    run_id = ws.last_run()
    order = ["01_backup", "02_verify", "2fa check", "03.1 migrate", "03.2 réindexer", "04_report"]
    assert ws.started(run_id) == order
    assert ws.states(run_id) == dict.fromkeys(order, "ok")
    shown = ws.cli("show", "Numbered steps", "--state-path", ws.db)
    assert shown.code == 0, shown.text
    (row,) = [
        line.split() for line in shown.stdout.splitlines() if line.split()[:1] == [str(run_id)]
    ]
    assert row[-4:] == ["6", "0", "0", "0"]  # nodes ok, failed, skipped, left
    one = ws.cli("show", "Numbered steps", str(run_id), "--state-path", ws.db)
    assert one.code == 0, one.text
    assert all(node_id in one.stdout for node_id in order)


def test_a_bracketed_id_is_shown_as_written(ws: Workspace) -> None:
    """Brackets in an id are text: the summary does not read `[prod]` as a style."""
    file = ws.runbook(
        """
        [runbook]
        title = "Brackets"

        ["[prod] deploy"]
        type = "Command"
        command_name = "true"
        prompt_after = ""
        """
    )
    result = ws.run(file)
    assert result.code == 0, result.text
    summary = result.stdout[result.stdout.index("Run 1") :]
    assert "[prod] deploy" in summary
    assert ws.states(ws.last_run()) == {"[prod] deploy": "ok"}


def test_explicit_dependencies_call_the_tools(ws: Workspace) -> None:
    result = ws.run(EXAMPLES / "dependency-explicit.playbook.toml", answers=YES)
    assert result.code == 0, result.text
    assert ws.calls() == ["make build", "deploy.sh ", "complex.sh "]


@pytest.mark.parametrize(
    ("example", "node"),
    [
        ("node-types", "slack_notify"),
        ("criticality", "optional_notification"),
        ("plugin-config", "notify_success"),
    ],
)
def test_a_runbook_needing_an_uninstalled_plugin_stops_before_anything_runs(
    ws: Workspace, example: str, node: str
) -> None:
    file = EXAMPLES / f"{example}.playbook.toml"
    result = ws.run(file, answers=YES)
    assert result.code == 1
    assert f"{file}:" in result.stderr
    assert "error: " in result.stderr
    assert "unknown plugin 'slack'" in result.stderr
    assert node in result.stderr
    assert "installed plugins: " in result.stderr and "python" in result.stderr
    assert "Traceback" not in result.text
    assert ws.calls() == []
    assert not ws.db.exists()


def test_type_conversion_reaches_the_example_plugin(ws: Workspace) -> None:
    file = EXAMPLES / "type-conversion.playbook.toml"
    result = ws.run(file, "--var", "TIMEOUT=0", answers=YES)
    assert result.code == 0, result.text
    run_id = ws.last_run()
    results = {row["node_id"]: row["result"] for row in ws.attempts(run_id)}
    assert results == {"sleep_step": "0", "notification": '"URGENT: Alert for myapp"'}


def test_variables_render_the_command(ws: Workspace) -> None:
    file = EXAMPLES / "variables.playbook.toml"
    result = ws.run(file, "--var", "ENVIRONMENT=staging", "--var", "APP_NAME=shop", answers=YES)
    assert result.code == 0, result.text
    assert "Deploy shop to staging" in result.stdout
    assert ws.calls() == ["kubectl apply -f shop-staging.yaml"]


def test_a_templated_critical_flag_is_honoured(ws: Workspace) -> None:
    """`critical` renders to true for prod: no Skip offered, the run ends NOK at once."""
    file = EXAMPLES / "variables.playbook.toml"
    ws.fail("kubectl", times=5)
    prod = ws.run(file, "--var", "ENVIRONMENT=prod", "--max-retries", "1")
    assert prod.code == 1, prod.text
    assert "What now?" not in prod.stdout
    assert "critical node 'deploy' failed" in prod.stdout
    assert ws.status(ws.last_run()) == "NOK"

    dev = ws.run(file, "--var", "ENVIRONMENT=dev", "--max-retries", "1", answers="s\n")
    assert dev.code == 1, dev.text
    assert "deploy failed. What now? [s]kip/[a]bort: s" in dev.stdout
    assert ws.states(ws.last_run()) == {"deploy": "failed"}


# Conditional shorthand: deploy:success / deploy:failure, and the OR-join on cleanup ------------


def test_shorthand_when_deploy_succeeds(ws: Workspace) -> None:
    result = ws.run(EXAMPLES / "conditional-shorthand.playbook.toml", answers=YES)
    assert result.code == 0, result.text
    assert "Deployment successful" in result.stdout
    assert ws.states(ws.last_run()) == {
        "deploy": "ok",
        "deploy_success": "ok",
        "rollback_deployment": "skipped",
        "rollback": "skipped",
        "cleanup": "ok",
    }
    assert ws.calls() == ["deploy.sh ", "cleanup.sh "]


def test_shorthand_when_deploy_fails_rolls_back_and_still_cleans_up(ws: Workspace) -> None:
    ws.fail("deploy.sh")
    # deploy fails → skip it; rollback_deployment, rollback and cleanup confirm with y.
    result = ws.run(EXAMPLES / "conditional-shorthand.playbook.toml", answers="s\ny\ny\ny\n")
    assert result.code == 1, result.text
    assert "deploy failed. What now? [r]etry/[s]kip/[a]bort: s" in result.stdout
    assert "Rollback complete" in result.stdout
    run_id = ws.last_run()
    assert ws.states(run_id) == {
        "deploy": "failed",
        "deploy_success": "skipped",
        "rollback_deployment": "ok",
        "rollback": "ok",
        "cleanup": "ok",
    }
    assert ws.calls() == ["deploy.sh ", "rollback.sh ", "cleanup.sh "]
    assert "Run status: NOK" in result.stdout
    assert ws.status(run_id) == "NOK"


def test_or_join_is_skipped_when_neither_branch_succeeds(ws: Workspace) -> None:
    ws.fail("deploy.sh")
    ws.fail("rollback.sh")
    result = ws.run(EXAMPLES / "conditional-shorthand.playbook.toml", answers="s\ns\n")
    assert result.code == 1, result.text
    states = ws.states(ws.last_run())
    assert states["rollback_deployment"] == "failed"
    assert states["rollback"] == "skipped"
    assert states["cleanup"] == "skipped"
    assert "cleanup.sh " not in ws.calls()


# Conditions over variables and outcomes -------------------------------------------------------

WHEN = EXAMPLES / "conditional-when.playbook.toml"


@pytest.mark.parametrize(
    ("variables", "expected", "calls"),
    [
        (
            ["ENVIRONMENT=dev"],
            {
                "build": "ok",
                "security_scan": "skipped",
                "run_tests": "skipped",
                "deploy": "skipped",
            },
            ["make build"],
        ),
        (
            ["ENVIRONMENT=dev", "SKIP_TESTS=true"],
            {"build": "ok", "security_scan": "skipped", "run_tests": "skipped", "deploy": "ok"},
            ["make build", "deploy.sh dev"],
        ),
        (
            ["ENVIRONMENT=staging"],
            {"build": "ok", "security_scan": "skipped", "run_tests": "ok", "deploy": "ok"},
            ["make build", "npm test", "deploy.sh staging"],
        ),
        (
            ["ENVIRONMENT=prod"],
            {"build": "ok", "security_scan": "ok", "run_tests": "ok", "deploy": "ok"},
            ["make build", "security-scan --strict", "npm test", "deploy.sh prod"],
        ),
    ],
)
def test_when_conditions_choose_the_branch(
    ws: Workspace, variables: list[str], expected: dict[str, str], calls: list[str]
) -> None:
    options = [arg for variable in variables for arg in ("--var", variable)]
    result = ws.run(WHEN, *options, answers=YES)
    assert result.code == 0, result.text
    run_id = ws.last_run()
    assert ws.states(run_id) == expected
    assert ws.calls() == calls
    reasons = ws.rows(
        "SELECT node_id, reason FROM node_states WHERE run_id = ? AND state = 'skipped'", run_id
    )
    assert all(row["reason"].startswith("condition is false: ") for row in reasons)


def test_when_tests_fail_in_prod_nothing_is_deployed(ws: Workspace) -> None:
    ws.fail("npm-test")
    result = ws.run(WHEN, "--var", "ENVIRONMENT=prod", answers="y\ny\ns\n")
    assert result.code == 1, result.text
    assert ws.states(ws.last_run()) == {
        "build": "ok",
        "security_scan": "ok",
        "run_tests": "failed",
        "deploy": "skipped",
    }
    assert not any(call.startswith("deploy.sh") for call in ws.calls())


# The specification's complete example --------------------------------------------------------

PIPELINE = EXAMPLES / "deployment-pipeline.playbook.toml"
SUCCESS = {
    "build_app": "ok",
    "run_tests": "ok",
    "security_scan": "skipped",
    "deploy_application": "ok",
    "health_check": "ok",
    "rollback_on_failure": "skipped",
    "notify_success": "ok",
    "notify_failure": "skipped",
}


@pytest.mark.parametrize(
    ("variables", "changes", "calls"),
    [
        (
            ["ENVIRONMENT=dev"],
            {},
            ["npm run build", "npm test", "deploy.sh dev --app=myapp"],
        ),
        (
            ["ENVIRONMENT=staging", "APP_NAME=shop"],
            {},
            ["npm run build", "npm test", "deploy.sh staging --app=shop"],
        ),
        (
            ["ENVIRONMENT=prod"],
            {"security_scan": "ok"},
            [
                "npm run build",
                "npm test",
                "npm audit --audit-level high",
                "deploy.sh prod --app=myapp",
            ],
        ),
        (
            ["ENVIRONMENT=prod", "SKIP_TESTS=true"],
            {"security_scan": "ok", "run_tests": "skipped"},
            ["npm run build", "npm audit --audit-level high", "deploy.sh prod --app=myapp"],
        ),
    ],
)
def test_pipeline_deploys_per_environment(
    ws: Workspace, variables: list[str], changes: dict[str, str], calls: list[str]
) -> None:
    options = [arg for variable in variables for arg in ("--var", variable)]
    result = ws.run(PIPELINE, *options, answers=YES)
    assert result.code == 0, result.text
    assert ws.states(ws.last_run()) == SUCCESS | changes
    environment, app = (
        variables[0].split("=")[1],
        "shop" if "APP_NAME=shop" in variables else "myapp",
    )
    health = f"curl -f https://{app}-{environment}.company.com/health"
    assert ws.calls() == [*calls, health]
    assert f"[INFO] ✅ {app} deployed successfully to {environment}" in result.stdout


def test_pipeline_health_check_failure_rolls_back_and_notifies(ws: Workspace) -> None:
    ws.fail("curl")
    # build, tests, deploy: y; health_check fails: skip; rollback, notify_failure: y.
    result = ws.run(PIPELINE, "--var", "ENVIRONMENT=dev", answers="y\ny\ny\ns\ny\ny\n")
    assert result.code == 1, result.text
    run_id = ws.last_run()
    assert ws.states(run_id) == SUCCESS | {
        "health_check": "failed",
        "rollback_on_failure": "ok",
        "notify_success": "skipped",
        "notify_failure": "ok",
    }
    assert ws.calls()[-1] == "rollback.sh dev"
    assert "[INFO] ❌ myapp deployment to dev failed" in result.stdout
    assert "deployed successfully" not in result.stdout
    assert "Run status: NOK" in result.stdout


def test_pipeline_critical_security_scan_failure_ends_the_run(ws: Workspace) -> None:
    ws.fail("npm-audit", times=5)
    # build, tests: y; the scan fails: retry; it fails again with no retries left.
    result = ws.run(
        PIPELINE, "--var", "ENVIRONMENT=prod", "--max-retries", "2", answers="y\ny\nr\n"
    )
    assert result.code == 1, result.text
    assert "security_scan failed. What now? [r]etry/[a]bort:" in result.stdout
    assert "[s]kip" not in result.stdout
    run_id = ws.last_run()
    states = ws.states(run_id)
    assert states["security_scan"] == "failed"
    assert states["deploy_application"] == "pending"
    assert not any(call.startswith("deploy.sh") for call in ws.calls())
    assert ws.status(run_id) == "NOK"


def test_a_compiled_ir_runs_like_its_source(ws: Workspace) -> None:
    ir = ws.root / "hello.ir.json"
    compiled = ws.cli("compile", EXAMPLES / "hello.playbook.toml", "-o", ir)
    assert compiled.code == 0, compiled.text
    result = ws.run(ir)
    assert result.code == 0, result.text
    assert "Hello, operator!" in result.stdout
    run = ws.rows("SELECT runbook_path, source_sha256 FROM runs")[0]
    assert run["runbook_path"] == str(ir)
    source = (EXAMPLES / "hello.playbook.toml").read_bytes()
    assert run["source_sha256"] == hashlib.sha256(source).hexdigest()
