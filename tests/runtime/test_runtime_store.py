"""The state database as an auditor reads it, and state paths that are not Playbook's.

The tests marked `both_backends` run on SQLite and on PostgreSQL; the others are about the
SQLite file itself.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
import sys
from contextlib import closing
from pathlib import Path

import pytest
from runtime_support import OPERATOR, Workspace
from state_databases import both_backends

from playbook.diagnostics import PlaybookError
from playbook.runtime.store import OpenMode, SQLiteFile, open_store

AUDITED = """\
[variables]
TARGET = { default = "blue", description = "Which side to deploy" }

[runbook]
title = "Audited {{TARGET}} deploy"

[deploy]
type = "Command"
command_name = "deploy.sh {{TARGET}}"
prompt_after = ""

[announce]
type = "Function"
plugin = "python"
function = "notify"
function_params = { message = "{{TARGET}} is live" }
prompt_after = ""
"""


@both_backends
def test_every_transition_is_logged_with_the_operator(ws: Workspace) -> None:
    file = ws.runbook(AUDITED)
    ws.fail("deploy.sh")
    result = ws.run(file, "--var", "TARGET=green", answers="r\n")
    assert result.code == 0, result.text
    run_id = ws.last_run()

    run = ws.rows("SELECT * FROM runs WHERE id = ?", run_id)[0]
    assert run["title"] == "Audited {{TARGET}} deploy"
    assert run["runbook_path"] == str(file)
    assert run["source_sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
    assert json.loads(run["variables"]) == {"TARGET": "green"}
    assert (run["status"], run["operator"]) == ("OK", OPERATOR)
    assert run["finished_at"] >= run["started_at"]

    events = ws.events(run_id)
    assert [(e["node_id"], e["trigger"], e["source"], e["dest"]) for e in events] == [
        (None, "create", "none", "RUNNING"),
        ("deploy", "start", "pending", "running"),
        ("deploy", "fail", "running", "failed"),
        ("deploy", "retry", "failed", "running"),
        ("deploy", "succeed", "running", "ok"),
        ("announce", "start", "pending", "running"),
        ("announce", "succeed", "running", "ok"),
        (None, "finish", "RUNNING", "OK"),
    ]
    assert {e["operator"] for e in events} == {OPERATOR}
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert events[2]["detail"] == "exit code 1"
    # The operator's answer is the transition out of the failure, with who gave it.
    assert events[3]["detail"] == "retry"
    assert [a["decision"] for a in ws.attempts(run_id, "deploy")] == ["retry", None]

    attempts = ws.attempts(run_id)
    assert [(a["node_id"], a["attempt"], a["status"], a["exit_code"]) for a in attempts] == [
        ("deploy", 1, "failed", 1),
        ("deploy", 2, "ok", 0),
        ("announce", 1, "ok", None),
    ]
    assert attempts[1]["stdout"] == "deploy.sh green: done\n"
    assert attempts[2]["result"] == '"[INFO] green is live"'
    assert all(a["duration_s"] >= 0 and a["finished_at"] for a in attempts)


def test_the_database_is_private_and_durable(ws: Workspace) -> None:
    result = ws.run(ws.runbook(AUDITED))
    assert result.code == 0, result.text
    assert stat.S_IMODE(ws.db.stat().st_mode) == 0o600
    assert ws.rows("PRAGMA journal_mode")[0][0] == "wal"
    assert ws.rows("PRAGMA user_version")[0][0] >= 1


@pytest.mark.parametrize("kind", ["foreign-sqlite", "garbage"])
def test_a_state_path_that_is_not_playbooks_is_refused_and_left_alone(
    ws: Workspace, kind: str
) -> None:
    ws.db.parent.mkdir()
    if kind == "foreign-sqlite":
        with closing(sqlite3.connect(ws.db)) as other:
            other.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
            other.execute("INSERT INTO invoices (total) VALUES (99.5)")
            other.commit()
        expected = "is an SQLite database, but not a Playbook state database"
    else:
        ws.db.write_bytes(b"quarterly figures, not a database\n" * 200)
        expected = "is not a usable Playbook state database"
    before = ws.db.read_bytes()
    folder = sorted(p.name for p in ws.db.parent.iterdir())

    result = ws.run(ws.runbook(AUDITED))
    assert result.code == 1
    assert f"{ws.db} {expected}" in result.stderr
    assert "--state-path" in result.stderr
    assert "Traceback" not in result.text
    assert ws.calls() == []
    assert ws.db.read_bytes() == before
    assert sorted(p.name for p in ws.db.parent.iterdir()) == folder


@both_backends
def test_resume_and_set_status_on_an_unknown_run(ws: Workspace) -> None:
    file = ws.runbook(AUDITED)
    assert ws.run(file).code == 0
    missing = ws.resume(file, "42")
    assert missing.code == 1
    assert "no run 42" in missing.stderr
    unset = ws.set_status(file, "42", "ABORTED", "--force")
    assert unset.code == 1
    assert f"no run 42 in {ws.state.shown}" in unset.stderr
    assert f"hint: check the run id and {ws.state.flags[0]}" in unset.stderr


@both_backends
def test_set_status_force_needs_no_answer(ws: Workspace) -> None:
    file = ws.runbook(AUDITED)
    assert ws.run(file).code == 0
    run_id = ws.last_run()
    result = ws.set_status(file, str(run_id), "nok", "--force")
    assert result.code == 0, result.text
    assert f"run {run_id}: OK → NOK" in result.stdout
    assert ws.status(run_id) == "NOK"
    again = ws.set_status(file, str(run_id), "NOK", "--force")
    assert f"run {run_id} is already NOK" in again.stdout


def test_the_default_state_path_is_under_home(ws: Workspace, tmp_path: Path) -> None:
    result = ws.cli("run", ws.runbook(AUDITED))
    assert result.code == 0, result.text
    default = tmp_path / "home" / ".config" / "playbook" / "run.db"
    assert stat.S_IMODE(default.stat().st_mode) == 0o600
    assert not ws.db.exists()


@both_backends
def test_a_secret_never_reaches_the_screen_or_the_database(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [variables]
        TOKEN = { required = true, secret = true, description = "API token" }

        [runbook]
        title = "Uses a token"

        [call]
        type = "Command"
        command_name = "echo token is $API_TOKEN; exit 1"
        prompt_after = ""

        [fail_loudly]
        type = "Function"
        plugin = "python"
        function = "throw"
        function_params = { message = "rejected {{TOKEN}}" }
        prompt_after = ""
        """
    )
    ws.env["API_TOKEN"] = "hunter2-not-for-logs"
    result = ws.run(file, "--var", "TOKEN=hunter2-not-for-logs", answers="s\ns\n")
    assert result.code == 1, result.text
    assert "token is [REDACTED]" in result.stdout
    assert "rejected [REDACTED]" in result.stdout
    assert "hunter2" not in result.text
    run_id = ws.last_run()
    assert ws.rows("SELECT variables FROM runs WHERE id = ?", run_id)[0][0] == "{}"
    assert [a["stdout"] for a in ws.attempts(run_id, "call")] == ["token is [REDACTED]\n"]
    # Every row of every table, as a copy of the whole state holds them.
    copied = ws.invoke("state", "export", "-", *ws.state.flags)
    assert copied.code == 0, copied.text
    assert "[REDACTED]" in copied.stdout
    assert "hunter2" not in copied.stdout
    for stored in ws.db.parent.rglob("*") if ws.db.parent.exists() else ():
        if stored.is_file():
            assert b"hunter2" not in stored.read_bytes(), stored.name


@pytest.mark.parametrize(
    "command",
    [
        ["resume", "{file}"],
        ["resume", "{file}", "1"],
        ["set-status", "{file}", "1", "ABORTED", "--force"],
        ["show", "Audited {{{{TARGET}}}} deploy"],
        ["info"],
    ],
    ids=["resume", "resume-id", "set-status", "show", "info"],
)
def test_a_mistyped_state_path_creates_nothing(ws: Workspace, command: list[str]) -> None:
    file = ws.runbook(AUDITED)
    assert ws.invoke("run", file, "--state-path", ws.db).code == 0
    mistyped = ws.root / "stat" / "run.db"
    args = [part.format(file=file) for part in command]
    result = ws.invoke(*args, "--state-path", mistyped)
    assert not mistyped.parent.exists()
    if command[0] in ("resume", "set-status"):
        assert result.code == 1
        assert result.stderr == (
            f"error: no state database at {mistyped}\n"
            "  hint: check --state-path (default: database.path of `playbook config`);"
            " `playbook run` creates the database\n"
        )


def test_show_and_info_read_the_database_without_changing_it(ws: Workspace) -> None:
    file = ws.runbook(AUDITED)
    assert ws.invoke("run", file, "--state-path", ws.db).code == 0
    before = {path: path.read_bytes() for path in ws.db.parent.rglob("*") if path.is_file()}
    shown = ws.invoke("show", "Audited {{TARGET}} deploy", "--state-path", ws.db)
    assert shown.code == 0 and "OK" in shown.stdout
    info = ws.invoke("info", "--state-path", ws.db)
    assert info.code == 0 and "1 OK" in info.stdout
    after = {path: path.read_bytes() for path in ws.db.parent.rglob("*") if path.is_file()}
    assert after == before  # no backup, no WAL left behind, not a byte changed


def test_a_read_only_store_never_writes(ws: Workspace) -> None:
    assert ws.invoke("run", ws.runbook(AUDITED), "--state-path", ws.db).code == 0
    with open_store(SQLiteFile(ws.db), OpenMode.READ_ONLY) as store:
        assert store.run(1).status == "OK"
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.set_run_status(1, "set-status", "OK", "NOK", OPERATOR)
    assert ws.status(1) == "OK"
    empty = ws.root / "empty.db"
    empty.touch()
    with pytest.raises(PlaybookError, match="holds no Playbook runs yet"):
        open_store(SQLiteFile(empty), OpenMode.READ_ONLY)
    assert empty.read_bytes() == b""


def test_a_run_records_the_compiled_ir_compactly(ws: Workspace) -> None:
    file = ws.runbook(AUDITED)
    assert ws.run(file).code == 0
    stored = ws.rows("SELECT ir FROM runs WHERE id = ?", ws.last_run())[0]["ir"]
    compiled = ws.cli("compile", file)
    assert compiled.code == 0, compiled.text
    assert json.loads(stored) == json.loads(compiled.stdout)
    # The pretty form is for people reading `playbook compile`; the database keeps no padding.
    assert "\n" not in stored
    assert len(stored) < len(compiled.stdout) * 0.75


@pytest.mark.slow
def test_without_the_driver_a_postgresql_url_is_one_clear_error(ws: Workspace) -> None:
    code = (
        "import sys\n"
        "sys.modules['psycopg'] = None  # as if it were not installed\n"
        "from playbook.cli import main\n"
        "sys.argv = ['playbook', 'info', '--state-url', 'postgresql://ops@db.internal/playbook']\n"
        "main()\n"
    )
    done = ws.processes.run([sys.executable, "-c", code], env=ws.env)
    assert done.returncode == 1
    assert done.stderr == (
        "error: a PostgreSQL state database needs the psycopg package\n"
        "  hint: install it with `pip install 'playbook[postgresql]'`\n"
    )
