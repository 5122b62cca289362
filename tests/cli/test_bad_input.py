"""Hostile or broken input: one readable error with a hint (never an internal error), and
nothing written before it — or, where the input is fine after all, a normal run."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from playbook.cli import cli

RUNBOOK = """\
[variables]
VALUE = { default = "ok" }

[runbook]
title = "Echo"

[echo]
type = "Command"
command_name = "echo {{ VALUE | quote }}"
prompt_after = ""
"""

NESTED = "(" * 3000 + "VALUE" + ")" * 3000


@dataclass(frozen=True)
class Case:
    #: The command line; {runbook}, {db} and {dir} are filled in.
    args: tuple[str, ...]
    #: Files written into the test's folder first (the runbook is RUNBOOK unless given).
    files: dict[str, str | bytes] = field(default_factory=dict)
    answers: str = ""
    #: The first line of standard error, its hint, and the exit code; None: no error.
    error: str | None = None
    hint: str | None = None
    code: int = 1
    #: A run recorded before the command, which must leave it as it was.
    seeded: bool = False
    #: Standard output is a pipe whose reader has gone (`playbook … | head`).
    closed_output: bool = False


RUN = ("run", "{runbook}", "--state-path", "{db}")

CASES = {
    "nul-byte-in-a-vars-file": Case(
        (*RUN, "--vars-file", "{dir}/values.toml"),
        {"values.toml": 'VALUE = "a\\u0000b"\n'},
        error="error: variable 'VALUE' from --vars-file {dir}/values.toml: contains a NUL"
        " character (\\x00), which no command line can carry",
        hint="  hint: give the value as plain UTF-8 text",
    ),
    "lone-surrogate-in-a-value": Case(
        (*RUN, "--vars-file", "{dir}/values.json"),
        {"values.json": '{"VALUE": "a\\ud800b"}'},
        error="error: variable 'VALUE' from --vars-file {dir}/values.json: contains a lone"
        " surrogate (\\ud800), which is not Unicode text",
        hint="  hint: give the value as plain UTF-8 text",
    ),
    "a-300-kb-value-in-a-command": Case(
        (*RUN, "--vars-file", "{dir}/values.toml"),
        {"values.toml": 'VALUE = "' + "x" * 300_000 + '"\n'},
        error="error: node 'echo' field 'command_name' renders to 300,005 bytes; the system"
        " starts commands of at most {longest} bytes",
        hint="  hint: write a large value to a file and pass the file's path instead",
    ),
    "toml-nested-100000-deep": Case(
        RUN,
        {"test.playbook.toml": "x = " + "[" * 100_000 + "]" * 100_000 + "\n"},
        error="{runbook}: error: invalid TOML: arrays or inline tables are nested too deeply",
        hint="  hint: runbook values nest a few levels at most; look for a run of [ or {",
    ),
    "vars-file-nested-100000-deep": Case(
        (*RUN, "--vars-file", "{dir}/values.json"),
        {"values.json": '{"VALUE": ' + "[" * 100_000 + "]" * 100_000 + "}"},
        error="{dir}/values.json: error: values are nested too deeply to read",
        hint="  hint: variables take flat values, lists and tables a few levels deep",
    ),
    "template-with-3000-parentheses": Case(
        RUN,
        {"test.playbook.toml": RUNBOOK.replace("VALUE | quote", NESTED)},
        error="{runbook}:9: error: node 'echo' field 'command_name': invalid template: nested"
        " too deeply to read",
        hint="  hint: split the expression, or compute the value before the run",
    ),
    # Parsed without recursion, and three thousand parentheses around a name are still a name.
    "when-with-3000-parentheses": Case(
        RUN,
        {"test.playbook.toml": RUNBOOK + f"when = \"{{{{ {NESTED} == 'ok' }}}}\"\n"},
        code=0,
    ),
    "utf-8-bom-at-the-start": Case(
        RUN, {"test.playbook.toml": "\ufeff".encode() + RUNBOOK.encode()}, code=0
    ),
    "set-status-with-input-closed": Case(
        ("set-status", "{runbook}", "1", "NOK", "--state-path", "{db}"),
        error="error: status left unchanged: standard input is closed: no answer to"
        " 'Change run 1 (Echo) from OK to NOK? [y]es/[n]o:'",
        hint="  hint: pass --force to change it without a question",
        seeded=True,
    ),
    "empty-state-url": Case(
        ("show", "Echo", "--state-url", ""),
        error="error: --state-url '' is not a PostgreSQL URL",
        hint="  hint: write postgresql://USER@HOST[:PORT]/DATABASE (the password in ~/.pgpass"
        " or PGPASSWORD); for an SQLite file use --state-path or database.path",
    ),
    "state-path-in-the-home-of-an-unknown-user": Case(
        ("show", "Echo", "--state-path", "~no-such-user/run.db"),
        error="error: no state database at ~no-such-user/run.db",
        hint="  hint: check --state-path (default: database.path of `playbook config`);"
        " `playbook run` creates the database",
    ),
    "show-piped-into-head": Case(
        ("show", "Echo", "--state-path", "{db}"), seeded=True, closed_output=True
    ),
    "compile-piped-into-head": Case(("compile", "{runbook}"), closed_output=True),
    "compile-into-a-missing-folder": Case(
        ("compile", "{runbook}", "-o", "{dir}/missing/ir.json"),
        error="error: cannot write {dir}/missing/ir.json: No such file or directory",
        hint="  hint: its folder does not exist: create it, or choose another path",
    ),
    "a-diagram-into-a-missing-folder": Case(
        ("view-dag", "{runbook}", "--format", "dot", "--no-open", "-o", "{dir}/missing/d.dot"),
        error="error: cannot write {dir}/missing/d.dot: No such file or directory",
        hint="  hint: its folder does not exist: create it, or choose another path",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_one_clear_error_and_nothing_half_written(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runbook = tmp_path / "test.playbook.toml"
    runbook.write_text(RUNBOOK, encoding="utf-8")
    for name, content in case.files.items():
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    db = tmp_path / "state" / "run.db"
    if case.seeded:
        assert _invoke(["run", str(runbook), "--state-path", str(db)]).exit_code == 0
    seeded_rows = _rows(db)
    places = {"runbook": str(runbook), "db": str(db), "dir": str(tmp_path)}
    args = [arg.format(**places) for arg in case.args]

    if case.closed_output:
        code, stdout, stderr = _with_closed_output(args)
    else:
        result = _invoke(args, case.answers)
        code, stdout, stderr = result.exit_code, result.stdout, result.stderr

    assert "internal error" not in stderr and "Traceback" not in stderr
    assert code == case.code, stdout + stderr
    if case.error is not None:
        longest = f"{32 * os.sysconf('SC_PAGE_SIZE') - 1:,}"
        lines = stderr.splitlines()
        assert lines[0] == case.error.format(**places, longest=longest)
        assert lines[-1] == case.hint
    if case.closed_output:
        assert stderr == ""  # quietly, as `head` expects
    if case.seeded:
        assert _rows(db) == seeded_rows
    elif case.code != 0:
        assert not db.parent.exists()


def _invoke(args: list[str], answers: str = ""):  # type: ignore[no-untyped-def]
    env = {key: None for key in os.environ if key.startswith("PLAYBOOK_")}
    return CliRunner().invoke(cli, args, input=answers, env={**env, "COLUMNS": "200"})


def _rows(db: Path) -> list[tuple[object, ...]]:
    if not db.exists():
        return []
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute("SELECT id, status, finished_at FROM runs").fetchall()


def _with_closed_output(args: list[str]) -> tuple[int, str, str]:
    """Run Playbook with standard output a pipe nobody reads any more: its writes fail (EPIPE)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "playbook", *args],
            stdout=writer,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=60,
        )
    finally:
        os.close(writer)
    return done.returncode, "", done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("show", "Echo", "{run_id}"),
        ("show", "Echo", "--run-id", "{run_id}"),
        ("explain", "{runbook}", "{run_id}", "echo"),
        ("set-status", "{runbook}", "{run_id}", "OK", "--force"),
        ("resume", "{runbook}", "{run_id}"),
        ("view-dag", "{runbook}", "--format", "dot", "--run", "{run_id}"),
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_a_run_id_no_database_can_hold_is_a_usage_error(
    args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runbook = tmp_path / "test.playbook.toml"
    runbook.write_text(RUNBOOK, encoding="utf-8")
    db = tmp_path / "run.db"
    assert _invoke(["run", str(runbook), "--state-path", str(db)]).exit_code == 0
    for run_id in ("99999999999999999999", "0"):
        places = {"runbook": str(runbook), "run_id": run_id}
        result = _invoke([arg.format(**places) for arg in args] + ["--state-path", str(db)])
        assert "internal error" not in result.stderr
        assert result.exit_code == 2, result.output
        assert f"{run_id} is not a run id (runs are numbered from 1)" in result.stderr
