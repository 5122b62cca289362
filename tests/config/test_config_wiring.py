"""Each setting, end to end through the real CLI with HOME and the working folder in tmp_path."""

from __future__ import annotations

import re
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest
from cli_support import KEEP_OPEN
from config_support import Machine

FAILING = """
[runbook]
title = "Failing"

[broken]
type = "Command"
command_name = "exit 3"
"""

UI_RUNBOOK = """
[runbook]
title = "UI"

[check]
type = "Command"
command_name = "echo checked"
prompt_after = ""

[note]
type = "Function"
plugin = "python"
function = "notify"
function_params = { message = "hello" }
description = "Function description"
prompt_after = ""

[approve]
type = "Manual"
description = "Manual instructions"
prompt_after = "Approve?"
"""


def configure(machine: Machine, text: str) -> None:
    machine.write(machine.cwd / "playbook.toml", text)


def run_count(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute("SELECT COUNT(*) FROM runs").fetchone()[0])


def test_state_path_and_max_retries_come_from_the_configuration(machine: Machine) -> None:
    configure(machine, '[database]\npath = "~/state/custom.db"\n[execution]\nmax_retries = 1\n')
    runbook = machine.write(machine.cwd / "f.playbook.toml", FAILING)
    result = machine.cli("run", runbook, stdin="s\n")
    assert result.code == 1, result.stderr
    assert "broken: no retries left (--max-retries 1)" in result.stdout
    assert "broken failed. What now? [s]kip/[a]bort:" in result.stdout
    assert run_count(machine.home / "state" / "custom.db") == 1
    # A flag beats the configuration, and PLAYBOOK_DB_PATH beats the file.
    flagged = machine.cli(
        "run", runbook, "--max-retries", "2", stdin="a\n", PLAYBOOK_DB_PATH="x.db"
    )
    assert "[r]etry/[s]kip/[a]bort:" in flagged.stdout
    assert run_count(machine.cwd / "x.db") == 1
    assert "Resume with: playbook resume" in flagged.stdout


@pytest.mark.slow
def test_default_timeout_stops_a_command_without_its_own(machine: Machine) -> None:
    configure(machine, "[execution]\ndefault_timeout = 0.5\n")
    runbook = machine.write(
        machine.cwd / "slow.playbook.toml",
        '[runbook]\ntitle = "Slow"\n[wait]\ntype = "Command"\ncommand_name = "sleep 20"\n',
    )
    result = machine.cli("run", runbook, stdin="s\n")
    assert result.code == 1
    assert "timed out after 0.5 s" in result.stdout


@pytest.mark.slow
def test_interactive_timeout_aborts_a_run_that_waits(machine: Machine) -> None:
    configure(machine, "[execution]\ninteractive_timeout = 1\n[database]\npath = 'run.db'\n")
    runbook = machine.write(
        machine.cwd / "wait.playbook.toml",
        '[runbook]\ntitle = "Wait"\n[approve]\ntype = "Manual"\nprompt_after = "Approve?"\n',
    )
    # Standard input stays open: only the timeout can end this question.
    result = machine.cli("run", runbook, stdin=KEEP_OPEN)
    assert result.code == 130, result.stderr
    assert (
        "timed out after 1 s waiting for an answer to 'Approve? [y]es/[n]o:'"
        " (execution.interactive_timeout)"
    ) in result.stdout
    assert "Run status: ABORTED" in result.stdout
    resumed = machine.cli("resume", runbook, stdin="y\n")
    assert resumed.code == 0, resumed.text


def test_backups_rotate_before_each_write(machine: Machine) -> None:
    configure(machine, "[database]\npath = 'state/run.db'\nbackup_count = 2\n")
    runbook = machine.write(machine.cwd / "f.playbook.toml", FAILING)
    db = machine.cwd / "state" / "run.db"
    backups = [db.with_name(f"run.db.{n}") for n in (1, 2, 3)]
    machine.cli("run", runbook, stdin="a\n")
    assert not backups[0].exists()  # a database this command created has nothing to keep
    machine.cli("run", runbook, stdin="a\n")
    machine.cli("set-status", runbook, "1", "NOK", "--force")
    assert [run_count(path) for path in backups[:2]] == [2, 1]
    assert not backups[2].exists()
    for path in backups[:2]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with closing(sqlite3.connect(backups[0])) as db_copy:
        statuses = db_copy.execute("SELECT status FROM runs ORDER BY id").fetchall()
    assert statuses == [("ABORTED",), ("ABORTED",)]  # taken before set-status changed run 1


def test_a_database_that_is_not_playbooks_is_never_backed_up(machine: Machine) -> None:
    configure(machine, "[database]\npath = 'foreign.db'\n")
    with closing(sqlite3.connect(machine.cwd / "foreign.db")) as db:
        db.execute("CREATE TABLE mine (x)")
    runbook = machine.write(machine.cwd / "f.playbook.toml", FAILING)
    result = machine.cli("run", runbook)
    assert result.code == 1
    assert "is an SQLite database, but not a Playbook state database" in result.stderr
    assert not (machine.cwd / "foreign.db.1").exists()


def test_backups_can_be_turned_off(machine: Machine) -> None:
    configure(machine, "[database]\npath = 'run.db'\nbackup_enabled = false\n")
    runbook = machine.write(machine.cwd / "f.playbook.toml", FAILING)
    for _ in range(2):
        machine.cli("run", runbook, stdin="a\n")
    assert not (machine.cwd / "run.db.1").exists()


SECRET_RUNBOOK = """
[variables]
TOKEN = { required = true, secret = true }

[runbook]
title = "Deploy with {{ TOKEN }}"

[broken]
type = "Function"
plugin = "python"
function = "throw"
function_params = { message = "bad token {{ TOKEN }}" }
"""


def test_the_log_file_records_the_run_without_its_secrets(machine: Machine) -> None:
    configure(machine, "[logging]\nfile_path = '~/logs/playbook.log'\nlevel = 'DEBUG'\n")
    runbook = machine.write(machine.cwd / "s.playbook.toml", SECRET_RUNBOOK)
    result = machine.cli(
        "run", runbook, "--var", "TOKEN=hunter2", "--state-path", "r.db", stdin="s\n"
    )
    assert result.code == 1
    log = machine.home / "logs" / "playbook.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    messages = [line.split(" playbook.run: ")[1] for line in log.read_text().splitlines()]
    levels = [line.split()[2] for line in log.read_text().splitlines()]
    error = "python.throw failed: RuntimeError: bad token [REDACTED]"
    assert messages == [
        "run 1: started by " + messages[0].split("started by ")[1],
        "run 1: node 'broken' pending → running (start)",
        f"run 1: node 'broken' running → failed (fail: {error})",
        f"run 1: node 'broken' failed (attempt 1): {error}",
        "run 1: " + messages[4].split(": ", 1)[1],
        "run 1: node 'broken' failed → failed (skip)",
        "run 1: ended NOK: failed nodes: broken",
    ]
    assert messages[0].endswith(": Deploy with [REDACTED]")
    assert messages[4].endswith(" chose skip for node 'broken'")
    assert levels == ["INFO", "DEBUG", "DEBUG", "WARNING", "INFO", "DEBUG", "WARNING"]
    assert "hunter2" not in log.read_text() + result.text
    assert "WARNING" not in result.stderr  # a log file takes the place of the console log


def test_without_a_file_a_failure_is_printed_once(machine: Machine) -> None:
    runbook = machine.write(machine.cwd / "f.playbook.toml", FAILING)
    result = machine.cli("run", runbook, "--state-path", "r.db", stdin="s\n")
    # The display's outcome line says it; the console log does not repeat it.
    lines = (result.stdout + result.stderr).splitlines()
    assert [line for line in lines if "exit code 3" in line] == [
        next(line for line in result.stdout.splitlines() if "failed  exit code 3 · " in line)
    ]
    assert result.stderr == ""
    debug = machine.cli(
        "run", runbook, "--state-path", "r.db", stdin="s\n", PLAYBOOK_LOG_LEVEL="DEBUG"
    )
    assert "DEBUG: run 2: node 'broken' pending → running (start)" in debug.stderr.splitlines()


def ui_run(machine: Machine, ui: str, **env: str) -> str:
    configure(machine, f"[database]\npath = 'run.db'\n[ui]\n{ui}\n")
    runbook = machine.write(machine.cwd / "ui.playbook.toml", UI_RUNBOOK)
    result = machine.cli("run", runbook, stdin="y\n", **env)
    assert result.code == 0, result.text
    return result.stdout


COLORED = {"NO_COLOR": "", "TERM": "xterm-256color", "FORCE_COLOR": "1"}


def test_color_theme_none_writes_no_escape_codes(machine: Machine) -> None:
    assert "\x1b[" in ui_run(machine, "color_theme = 'auto'", **COLORED)
    assert "\x1b[" in ui_run(machine, "color_theme = 'light'", **COLORED)
    assert "\x1b[" not in ui_run(machine, "color_theme = 'none'", **COLORED)


def test_dark_and_light_themes_color_statuses_for_their_background(machine: Machine) -> None:
    dark = ui_run(machine, "color_theme = 'dark'\nshow_timestamps = false", **COLORED)
    light = ui_run(machine, "color_theme = 'light'\nshow_timestamps = false", **COLORED)
    assert "\x1b[92mok\x1b[0m" in dark  # bright green
    assert "ok\x1b[0m" in light and "\x1b[92mok" not in light


def test_timestamps_start_node_headers_and_outcomes(machine: Machine) -> None:
    lines = ui_run(machine, "show_timestamps = true").splitlines()
    stamped = [line for line in lines if re.match(r"\d\d:\d\d:\d\d ", line)]
    assert [line[9:].split()[0] for line in stamped] == ["━━━━━━━━━━━━━━━━━━━━", "ok"] * 3
    plain = ui_run(machine, "show_timestamps = false").splitlines()
    assert not [line for line in plain if re.match(r"\d\d:\d\d:\d\d ", line)]
    assert "ok  exit code 0" in "\n".join(line[:15] for line in plain)


def test_compact_output_drops_blank_lines_and_all_but_manual_descriptions(
    machine: Machine,
) -> None:
    normal = ui_run(machine, "show_timestamps = false")
    assert "Function description" in normal and "Manual instructions" in normal
    compact = ui_run(machine, "compact_output = true\nshow_timestamps = false")
    assert "Function description" not in compact
    assert "Manual instructions" in compact
    nodes = compact[compact.index("[1/3]") : compact.index("Approve?")]
    assert "\n\n" not in nodes
    assert "\n\n" in normal[normal.index("[1/3]") : normal.index("Approve?")]


@pytest.mark.parametrize(
    ("style", "header"),
    [
        ("bar", "━━━━━━━━━━━━━━━━━━━━ 0/3 done  [1/3] Command check"),
        ("counter", "0/3 done  [1/3] Command check"),
        ("none", "Command check"),
    ],
)
def test_progress_styles(machine: Machine, style: str, header: str) -> None:
    out = ui_run(machine, f"progress_style = '{style}'\nshow_timestamps = false")
    assert header in out.splitlines()


def test_a_configured_database_url_is_the_default_and_a_flag_wins(machine: Machine) -> None:
    # Nothing listens on port 1: a command that used the URL would fail to connect.
    configure(machine, '[database]\nurl = "postgresql://ops:s3cret@127.0.0.1:1/playbook"\n')
    runbook = machine.write(machine.cwd / "f.playbook.toml", FAILING)
    refused = machine.cli("run", runbook)
    assert refused.code == 1
    assert refused.stderr.startswith(
        "error: cannot connect to the state database"
        " postgresql://ops:***@127.0.0.1:1/playbook: connection failed:"
    )
    assert "Traceback" not in refused.stderr
    flagged = machine.cli("run", runbook, "--state-path", "local.db", stdin="a\n")
    assert flagged.code == 130, flagged.stderr
    assert run_count(machine.cwd / "local.db") == 1
    shown = machine.cli("config", "--show")
    assert 'url = "postgresql://ops:***@127.0.0.1:1/playbook"' in shown.stdout
    for text in (refused.stdout, refused.stderr, flagged.stdout, shown.stdout):
        assert "s3cret" not in text
    both = machine.cli("show", "f", "--state-path", "a.db", "--state-url", "postgresql://x/y")
    assert both.code == 2
    assert "--state-path and --state-url name two databases: pass one" in both.stderr


@pytest.mark.parametrize(
    ("where", "value"),
    [("database.url", "mysql://ops:s3cret@db/playbook"), ("--state-url", "ops:s3cret@db/x")],
)
def test_a_url_that_is_not_postgresqls_is_one_error(
    machine: Machine, where: str, value: str
) -> None:
    flags: list[str] = []
    if where == "database.url":
        configure(machine, f'[database]\nurl = "{value}"\n')
    else:
        flags = [where, value]
    result = machine.cli("info", *flags)
    assert result.code == 1
    shown = "mysql://ops:***@db/playbook" if where == "database.url" else "db/x"
    assert result.stderr.startswith(f"error: {where} '{shown}' is not a PostgreSQL URL\n")
    assert "s3cret" not in result.stderr


def test_a_broken_configured_url_does_not_stop_a_command_given_state_path(
    machine: Machine,
) -> None:
    configure(machine, '[database]\nurl = "mysql://ops@db/playbook"\n')
    runbook = machine.write(machine.cwd / "f.playbook.toml", FAILING)
    aborted = machine.cli("run", runbook, "--state-path", "local.db", stdin="a\n")
    assert aborted.code == 130, aborted.stderr
    # The configured database is not this one, so the command to copy names it.
    assert f"Resume with: playbook resume {runbook} 1 --state-path local.db" in aborted.stdout
    shown = machine.cli("show", "Failing", "--state-path", "local.db")
    assert shown.code == 0, shown.stderr
    assert "one run in full: playbook show Failing RUN_ID --state-path local.db" in shown.stdout
