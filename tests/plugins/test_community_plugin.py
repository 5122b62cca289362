"""A plugin package written for Playbook 1.3, used unchanged: `examples/slack-notifier`.

The README's test command pip-installs it beside Playbook, as a user would. Its example runbooks
are validated and run here against its own fake Slack on 127.0.0.1; its own unit tests run as
part of the suite (`testpaths`).
"""

from __future__ import annotations

import importlib.util
import sqlite3
from collections.abc import Iterator
from importlib.metadata import distribution, entry_points, version
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result

from playbook import __version__
from playbook.cli import cli

PACKAGE = Path(__file__).resolve().parents[2] / "examples" / "slack-notifier"
RELEASE = PACKAGE / "runbooks" / "release.playbook.toml"
INCIDENT = PACKAGE / "runbooks" / "incident.playbook.toml"


def _fake_slack_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "slack_notifier_fake_slack", PACKAGE / "tests" / "fake_slack.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FAKE_SLACK = _fake_slack_module()


@pytest.fixture(scope="module")
def slack_server() -> Iterator[Any]:
    with FAKE_SLACK.running() as server:
        yield server


@pytest.fixture
def slack(slack_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    slack_server.received.clear()
    monkeypatch.setenv("SLACK_WEBHOOK", f"{slack_server.url}/services/T0/B0/x")
    monkeypatch.setenv("SLACK_BOT_TOKEN", FAKE_SLACK.TOKEN)
    monkeypatch.setenv("SLACK_API_URL", f"{slack_server.url}/api")
    return slack_server


def playbook(*args: str | Path, answers: str = "") -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args], input=answers)


def run(runbook: Path, state: Path, *options: str, answers: str = "") -> Result:
    """Run with one attempt per node; a failure is answered from `answers` (`a`: abort)."""
    return playbook(
        "run", runbook, "--state-path", state, "--max-retries", "1", *options, answers=answers
    )


def texts(slack: Any) -> list[str]:
    return [request["body"].get("text", "") for request in slack.received]


def test_it_installs_beside_playbook_without_replacing_it() -> None:
    declared = distribution("playbook-slack-notifier").requires or []
    assert [r for r in declared if "extra ==" not in r] == ["playbook>=1.0.0"]
    assert version("playbook") == __version__
    assert int(__version__.split(".")[0]) >= 1
    [entry] = [e for e in entry_points(group="playbook.plugins") if e.name == "python"]
    assert entry.dist is not None and entry.dist.name == "playbook"
    assert entry.value == "playbook.stdlib_plugins.python_plugin:PythonPlugin"


def test_version_option_reports_the_installed_version() -> None:
    assert playbook("--version").output == f"playbook, version {__version__}\n"


def test_info_lists_it_healthy_with_its_configuration_keys() -> None:
    result = CliRunner().invoke(cli, ["info", "--plugins"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    section = result.output.split("slack-notifier  1.0.0", 1)[1]
    assert section.startswith("  (playbook-slack-notifier 1.0.0)")
    rows = [" ".join(line.replace("│", " ").split()) for line in section.splitlines()]
    assert "notify_deployment Announce a deployment's start or result" in rows
    assert "timeout integer 30 Request timeout in seconds; >= 1; <= 300" in rows
    assert "webhook_url string Incoming webhook URL for messages; matches ^https?://" in rows
    assert "broken" not in result.output
    assert not [row for row in rows if row.startswith("warning:")]


@pytest.mark.parametrize("runbook", [RELEASE, INCIDENT])
def test_its_example_runbooks_validate(runbook: Path) -> None:
    result = playbook("validate", runbook)
    assert result.exit_code == 0, result.output
    assert f"{runbook}: valid" in result.output


def test_the_release_runbook_announces_the_release(slack: Any, tmp_path: Path) -> None:
    state = tmp_path / "run.db"
    result = run(RELEASE, state, "--var", "VERSION=2.4.1", "--var", "CHANGES=7")
    assert result.exit_code == 0, result.output
    assert texts(slack) == [
        ":hourglass_flowing_sand: checkout 2.4.1 to staging: started",
        ":white_check_mark: checkout 2.4.1 to staging: succeeded (7 changes)",
    ]
    assert {r["body"]["channel"] for r in slack.received} == {"#deployments"}
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT status FROM runs").fetchall() == [("OK",)]
        statuses = dict(db.execute("SELECT node_id, state FROM node_states").fetchall())
    assert statuses == {"announce": "ok", "deploy": "ok", "done": "ok", "alert": "skipped"}


def test_the_incident_runbook_opens_a_room_and_pages(slack: Any, tmp_path: Path) -> None:
    result = run(INCIDENT, tmp_path / "run.db", "--var", "INCIDENT=42", answers="y\n")
    assert result.exit_code == 0, result.output
    assert [r["path"] for r in slack.received[:2]] == [
        "/api/conversations.create",
        "/api/conversations.setTopic",
    ]
    assert slack.received[0]["body"] == {"name": "inc-42", "is_private": False}
    assert texts(slack)[2:] == [
        ":rotating_light: *CRITICAL*: Incident 42: Service degraded\nJoin #inc-42",
        "Incident 42 is being handled in #inc-42",
    ]


def test_a_failed_result_from_the_plugin_fails_the_step(
    slack: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    result = run(INCIDENT, tmp_path / "run.db", "--var", "INCIDENT=7", answers="a\n")
    assert result.exit_code == 130, result.output
    assert "slack-notifier.create_channel failed: Slack API error: invalid_auth" in result.output
    assert texts(slack) == [""]


def test_a_run_failing_on_plugin_config_shows_the_hint(
    slack: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_WEBHOOK")
    state = tmp_path / "run.db"
    result = run(RELEASE, state, "--var", "VERSION=1", answers="a\n")
    assert result.exit_code == 130, result.output
    message = (
        "plugin_config of 'slack-notifier': 'webhook_url' uses ${SLACK_WEBHOOK}, but the "
        "environment variable is not set; hint: export SLACK_WEBHOOK=... before running"
    )
    assert message in " ".join(result.output.split())
    with sqlite3.connect(state) as db:
        (stored,) = db.execute(
            "SELECT exception FROM attempts WHERE node_id = 'announce'"
        ).fetchone()
    assert stored == message
    assert slack.received == []
