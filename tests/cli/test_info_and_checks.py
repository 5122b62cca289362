"""`info`, `show`, plugin checks before a run, compiled IR input, and secrets kept out of the store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cli_support import invoke as playbook

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state" / "run.db"


def write(tmp_path: Path, text: str, name: str = "book.playbook.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_info_reports_runs_and_plugins(state: Path) -> None:
    before = playbook("info", "--state-path", state)
    assert before.code == 0
    assert "none yet" in before.stdout
    assert playbook("run", EXAMPLES / "hello.playbook.toml", "--state-path", state).code == 0
    after = playbook("info", "--state-path", state)
    assert "1 OK" in after.stdout
    for plugin in ("python", "http", "my-plugin", "example"):
        assert plugin in after.stdout


def test_info_plugins_lists_functions_and_parameters() -> None:
    result = playbook("info", "--plugins")
    assert result.code == 0
    for word in ("notify", "sleep", "throw", "send_alert", "my_function", "expected_status"):
        assert word in result.stdout


def test_show_lists_runs_of_a_title_newest_first(state: Path) -> None:
    hello = EXAMPLES / "hello.playbook.toml"
    for _ in range(2):
        assert playbook("run", hello, "--state-path", state).code == 0
    result = playbook("show", "Hello, Playbook", "--state-path", state)
    assert result.code == 0
    rows = [line.split() for line in result.stdout.splitlines() if "OK" in line]
    assert [row[0] for row in rows] == ["2", "1"]
    assert rows[0][4] == "OK"
    assert rows[0][-4:] == ["3", "0", "0", "0"]  # nodes ok, failed, skipped, left
    missing = playbook("show", "No such runbook", "--state-path", state)
    assert missing.code == 1
    assert f"error: no runs of 'No such runbook' in {state}" in missing.stderr


def test_validate_reports_an_unknown_plugin_function_and_parameter(tmp_path: Path) -> None:
    book = write(
        tmp_path,
        '[runbook]\ntitle = "t"\n\n'
        '[a]\ntype = "Function"\nplugin = "slack"\nfunction = "send_message"\n\n'
        '[b]\ntype = "Function"\nplugin = "python"\nfunction = "notfy"\n\n'
        '[c]\ntype = "Function"\nplugin = "python"\nfunction = "sleep"\n'
        'function_params = { seconds = "soon", extra = 1 }\n',
    )
    result = playbook("validate", book)
    assert result.code == 1
    assert f"{book}:4: error: node 'a': unknown plugin 'slack'" in result.stderr
    assert "by convention named playbook-slack" in result.stderr
    assert f"{book}:9: error: node 'b': plugin 'python' has no function 'notfy'" in result.stderr
    assert "did you mean 'notify'?" in result.stderr
    assert "'seconds'" in result.stderr and "'extra'" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_refuses_a_mistyped_plugin_before_the_first_step(tmp_path: Path, state: Path) -> None:
    marker = tmp_path / "ran"
    book = write(
        tmp_path,
        f'[runbook]\ntitle = "t"\n\n[first]\ntype = "Command"\ncommand_name = "touch {marker}"\n'
        'prompt_after = ""\n\n[notify]\ntype = "Function"\nplugin = "pyhton"\nfunction = "notify"\n'
        'function_params = { message = "hi" }\n',
    )
    result = playbook("run", book, "--state-path", state)
    assert result.code == 1
    assert "unknown plugin 'pyhton'" in result.stderr
    assert "did you mean 'python'?" in result.stderr
    assert not marker.exists()
    assert not state.exists()


def test_a_compiled_ir_runs_like_its_source(tmp_path: Path, state: Path) -> None:
    ir = tmp_path / "hello.ir.json"
    compiled = playbook("compile", EXAMPLES / "hello.playbook.toml", "-o", ir)
    assert compiled.code == 0
    result = playbook("run", ir, "--state-path", state)
    assert result.code == 0, result.stderr
    assert "Hello, operator!" in result.stdout
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT status FROM runs").fetchall() == [("OK",)]


def test_an_ir_of_another_version_is_refused(tmp_path: Path, state: Path) -> None:
    ir = write(tmp_path, '{"ir_version": 99}', "old.ir.json")
    result = playbook("run", ir, "--state-path", state)
    assert result.code == 1
    assert "unsupported IR version 99" in result.stderr
    assert "recompile" in result.stderr


def test_a_secret_never_reaches_the_database_or_the_output(tmp_path: Path, state: Path) -> None:
    secret = "s3cr3t-Value-42"
    book = write(
        tmp_path,
        "[variables]\nTOKEN = { required = true, secret = true }\n\n"
        '[runbook]\ntitle = "t"\n\n'
        '[use]\ntype = "Command"\ncommand_name = "echo token={{ TOKEN | quote }}; echo $0 >&2"\n'
        'prompt_after = ""\n\n'
        '[fail]\ntype = "Command"\ncommand_name = "echo {{ TOKEN }} >&2; exit 3"\n'
        'prompt_after = ""\n',
    )
    result = playbook(
        "run", book, "--state-path", state, "--max-retries", "1", stdin=f"{secret}\ns\n"
    )
    assert result.code == 1
    assert secret not in result.stdout + result.stderr
    assert "token=[REDACTED]" in result.stdout
    for path in state.parent.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    with sqlite3.connect(state) as db:
        (stderr,) = db.execute("SELECT stderr FROM attempts WHERE node_id = 'fail'").fetchone()
    assert "[REDACTED]" in stderr


def test_the_specifications_plugin_runs_from_a_runbook(tmp_path: Path, state: Path) -> None:
    book = write(
        tmp_path,
        '[runbook]\ntitle = "t"\n\n'
        '[process]\ntype = "Function"\nplugin = "my-plugin"\nfunction = "my_function"\n'
        'function_params = { input = "the logs" }\nprompt_after = ""\n',
    )
    result = playbook("run", book, "--state-path", state)
    assert result.code == 0, result.stderr
    assert "Processed: the logs" in result.stdout
    with sqlite3.connect(state) as db:
        (stored,) = db.execute("SELECT result FROM attempts WHERE node_id = 'process'").fetchone()
    assert stored == '"Processed: the logs"'


def test_a_mistyped_runbook_path_suggests_the_file_meant() -> None:
    result = playbook("run", EXAMPLES / "helo.playbook.toml")
    assert result.code == 1
    assert "error: no such file:" in result.stderr
    assert "did you mean 'hello.playbook.toml'" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_json_reports_an_invalid_variable_as_json() -> None:
    result = playbook(
        "validate", EXAMPLES / "variables.playbook.toml", "--json", "--var", "ENVIRONMENT=qa"
    )
    assert result.code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    [error] = report["errors"]
    assert error["message"] == (
        "variable 'ENVIRONMENT' from --var: 'qa' is not one of 'dev', 'staging', 'prod'"
    )
