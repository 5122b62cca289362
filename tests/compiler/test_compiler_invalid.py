"""Broken runbooks and the exact diagnostics `playbook validate` prints for them.

Each `invalid/<case>.playbook.toml` has `<case>.expected` beside it: the standard error of
`playbook validate <case>.playbook.toml` run from that folder. A case whose expected text holds
no error (only warnings) must validate with exit code 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from compiler_support import INVALID_CASES, INVALID_DIR, SUFFIX, stem

from playbook.cli import cli
from playbook.compiler import load_program
from playbook.diagnostics import PlaybookError

REGENERATE = "pytest tests/compiler --update-golden"


def _validate(case: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(INVALID_DIR)
    result = CliRunner().invoke(cli, ["validate", case.name])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("case", INVALID_CASES, ids=stem)
def test_diagnostics_match(
    case: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    exit_code, stdout, stderr = _validate(case, monkeypatch)
    expected_file = case.with_name(stem(case) + ".expected")
    if update_golden:
        expected_file.write_bytes(stderr.encode("utf-8"))
    assert expected_file.exists(), f"{expected_file.name} is missing: run `{REGENERATE}`"
    expected = expected_file.read_bytes().decode("utf-8")
    assert stderr == expected, f"diagnostics of {case.name} changed: review, then `{REGENERATE}`"
    has_errors = ": error: " in expected
    assert exit_code == (1 if has_errors else 0)
    assert (f"{case.name}: valid" in stdout) is not has_errors
    assert "Traceback" not in stderr
    assert "internal error" not in stderr


@pytest.mark.parametrize("case", INVALID_CASES, ids=stem)
def test_every_diagnostic_is_located(case: Path) -> None:
    try:
        diagnostics = load_program(case).warnings
    except PlaybookError as error:
        diagnostics = error.diagnostics
    assert diagnostics
    for diagnostic in diagnostics:
        assert diagnostic.file == str(case)
        assert diagnostic.line is not None, diagnostic.render()


def test_every_case_has_its_expected_file() -> None:
    cases = {stem(case) for case in INVALID_CASES}
    expected = {path.name.removesuffix(".expected") for path in INVALID_DIR.glob("*.expected")}
    assert cases == expected, f"cases and .expected files differ; run `{REGENERATE}`"
    assert all(case.name.endswith(SUFFIX) for case in INVALID_CASES)


def test_several_errors_are_all_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, stderr = _validate(INVALID_DIR / "many-errors.playbook.toml", monkeypatch)
    assert stderr.count(": error: ") >= 8
    assert stderr.rstrip().endswith(f"many-errors{SUFFIX}: {stderr.count(': error: ')} errors")
