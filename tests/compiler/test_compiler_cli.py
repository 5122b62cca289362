"""`playbook validate` and `playbook compile` through click's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from compiler_support import EXAMPLES_DIR, GOLDEN_DIR, INVALID_DIR

from playbook.cli import cli
from playbook.compiler.ir import IR_VERSION

PIPELINE = EXAMPLES_DIR / "deployment-pipeline.playbook.toml"
CYCLE = INVALID_DIR / "cycle.playbook.toml"
WARNING = INVALID_DIR / "never-true-choices.playbook.toml"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_validate_prints_a_summary() -> None:
    result = run("validate", PIPELINE)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{PIPELINE}: valid",
        "  title:       {{APP_NAME}} Deployment Pipeline",
        "  nodes:       8 (Command 6, Function 2)",
        "  roots:       build_app",
        "  conditional: run_tests, security_scan, deploy_application, health_check, "
        "rollback_on_failure, notify_success, notify_failure",
        "  variables:   ENVIRONMENT (required), APP_NAME, SKIP_TESTS",
    ]
    assert result.stderr == ""


def test_validate_json_on_success() -> None:
    result = run("validate", PIPELINE, "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert report["errors"] == [] and report["warnings"] == []
    assert report["summary"]["nodes"] == 8
    assert report["summary"]["types"] == {"Command": 6, "Function": 2}
    assert report["summary"]["roots"] == ["build_app"]


def test_validate_json_on_errors() -> None:
    result = run("validate", INVALID_DIR / "many-errors.playbook.toml", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["summary"] is None
    assert len(report["errors"]) >= 8
    assert {error["severity"] for error in report["errors"]} == {"error"}
    assert [w["severity"] for w in report["warnings"]] == ["warning"]
    first = report["errors"][0]
    assert set(first) == {"severity", "file", "line", "column", "message", "hint"}
    assert all(error["line"] for error in report["errors"])


def test_validate_json_with_warnings_only() -> None:
    result = run("validate", WARNING, "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["valid"] is True and len(report["warnings"]) == 1


def test_validate_errors_exit_1_with_a_count() -> None:
    result = run("validate", CYCLE)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error: dependency cycle: a → b → c → a" in result.stderr
    assert result.stderr.endswith(f"{CYCLE}: 1 error\n")
    assert_no_traceback(result)


@pytest.mark.parametrize("command", ["validate", "compile"])
def test_missing_file(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.playbook.toml"
    result = run(command, missing)
    assert result.exit_code == 1
    assert f"error: no such file: {missing}" in result.stderr
    assert_no_traceback(result)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    result = run("validate", tmp_path)
    assert result.exit_code != 0
    assert_no_traceback(result)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.playbook.toml"
    path.write_bytes('[runbook]\ntitle = "caf\xe9"\n'.encode("latin-1"))
    result = run("validate", path)
    assert result.exit_code == 1
    assert "is not UTF-8 text" in result.stderr
    assert_no_traceback(result)


def test_compile_to_standard_output_matches_golden() -> None:
    result = run("compile", PIPELINE)
    assert result.exit_code == 0
    assert result.stdout == (GOLDEN_DIR / "deployment-pipeline.ir.json").read_text("utf-8")


def test_compile_to_a_file(tmp_path: Path) -> None:
    output = tmp_path / "pipeline.ir.json"
    result = run("compile", PIPELINE, "-o", output)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"wrote {output} (8 nodes)\n"
    assert output.read_bytes() == (GOLDEN_DIR / "deployment-pipeline.ir.json").read_bytes()


def test_compile_prints_warnings_and_still_writes(tmp_path: Path) -> None:
    output = tmp_path / "warning.ir.json"
    result = run("compile", WARNING, "--output", output)
    assert result.exit_code == 0
    assert ": warning: " in result.stderr
    assert json.loads(output.read_text("utf-8"))["ir_version"] == IR_VERSION


def test_compile_errors_write_nothing(tmp_path: Path) -> None:
    output = tmp_path / "cycle.ir.json"
    result = run("compile", CYCLE, "-o", output)
    assert result.exit_code == 1
    assert "dependency cycle" in result.stderr
    assert not output.exists()
    assert_no_traceback(result)


def test_compile_to_an_unwritable_place(tmp_path: Path) -> None:
    result = run("compile", PIPELINE, "-o", tmp_path / "no" / "such" / "dir" / "x.json")
    assert result.exit_code == 1
    assert "cannot write" in result.stderr
    assert_no_traceback(result)


@pytest.mark.parametrize("case", sorted(INVALID_DIR.glob("*.playbook.toml")), ids=lambda p: p.name)
def test_compile_never_shows_a_traceback(case: Path) -> None:
    result = run("compile", case)
    assert result.exit_code in (0, 1)
    assert_no_traceback(result)
