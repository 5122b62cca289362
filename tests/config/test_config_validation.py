"""Every rule a configuration file must follow, with the exact message, position and hint."""

from __future__ import annotations

import pytest
from config_support import Machine

from playbook.settings import SettingsError

CASES = [
    # (file text, first line of the error after "playbook.toml:", hint or None)
    (
        "[databse]\npath = 'x'\n",
        "1: error: unknown section [databse]",
        "did you mean 'database'?",
    ),
    (
        "[database]\npaht = 'x'\n",
        "2:8: error: unknown key 'paht' in [database]",
        "did you mean 'path'?",
    ),
    (
        "[ui]\nshiny = true\n",
        "2:9: error: unknown key 'shiny' in [ui]",
        "keys are progress_style, color_theme, show_timestamps, compact_output",
    ),
    (
        "[database]\ntimeout = '30'\n",
        "2:11: error: database.timeout: expected a number, got '30'",
        "for example timeout = 30 (seconds to wait for another process that holds the"
        " database lock)",
    ),
    (
        "[execution]\nmax_retries = true\n",
        "2:15: error: execution.max_retries: expected a whole number, got true",
        "for example max_retries = 3 (attempts per node before Retry is no longer offered)",
    ),
    (
        "[database]\nbackup_count = 2.5\n",
        "2:16: error: database.backup_count: expected a whole number, got 2.5",
        "for example backup_count = 5 (copies kept: PATH.1 (newest) to PATH.N)",
    ),
    (
        "[execution]\ndefault_timeout = -1\n",
        "2:19: error: execution.default_timeout: must be at least 0, got -1",
        "for example default_timeout = 0 (seconds a Command node without its own `timeout` may"
        " run (0 = no limit))",
    ),
    (
        "[execution]\nmax_retries = 0\n",
        "2:15: error: execution.max_retries: must be at least 1, got 0",
        "for example max_retries = 3 (attempts per node before Retry is no longer offered)",
    ),
    (
        "[logging]\nmax_size_mb = inf\n",
        "2:15: error: logging.max_size_mb: expected a finite number, got inf",
        "for example max_size_mb = 10 (the log file is rotated at this size (0 = never))",
    ),
    (
        "[ui]\ncolor_theme = 'pink'\n",
        "2:15: error: ui.color_theme: 'pink' is not one of auto, light, dark, none",
        None,
    ),
    (
        "[ui]\nprogress_style = 'bars'\n",
        "2:18: error: ui.progress_style: 'bars' is not one of bar, counter, none",
        "did you mean 'bar'?",
    ),
    (
        "[logging]\nlevel = 'verbose'\n",
        "2:9: error: logging.level: 'verbose' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
        None,
    ),
    (
        "[ui]\nshow_timestamps = 'yes'\n",
        "2:19: error: ui.show_timestamps: expected true or false, got 'yes'",
        "for example show_timestamps = true (HH:MM:SS before each step and each outcome)",
    ),
    (
        "[execution]\nmax_parallel = 0\n",
        "2:16: error: execution.max_parallel: must be at least 1, got 0",
        "for example max_parallel = 4 (with parallel_execution, how many nodes may run at the"
        " same time)",
    ),
    (
        "database = 3\n",
        "1:12: error: database must be a table: [database]",
        "write the keys under a [database] header",
    ),
    (
        "ui = { colour_theme = 'none' }\n",
        "1:6: error: unknown key 'colour_theme' in [ui]",
        "did you mean 'color_theme'?",
    ),
    (
        "[ui]\ncolor_theme = 'none\n",
        '3:1: error: invalid TOML: Expected "\'"',
        "check quotes, brackets and `key = value` syntax on this line",
    ),
]


@pytest.mark.parametrize(("text", "error", "hint"), CASES, ids=[c[1][:40] for c in CASES])
def test_each_rule(machine: Machine, text: str, error: str, hint: str | None) -> None:
    path = machine.write(machine.cwd / "playbook.toml", text)
    with pytest.raises(SettingsError) as raised:
        machine.load()
    lines = str(raised.value).splitlines()
    assert lines[0] == f"{path}:{error}"
    hints = [line.removeprefix("  hint: ") for line in lines if line.startswith("  hint: ")]
    assert hints == ([hint] if hint else [])


def test_the_log_level_is_read_in_any_case(machine: Machine) -> None:
    machine.write(machine.cwd / "playbook.toml", "[logging]\nlevel = 'warning'\n")
    assert machine.load().settings.logging.level == "WARNING"


def test_every_problem_of_a_file_is_listed_in_order(machine: Machine) -> None:
    machine.write(
        machine.cwd / "playbook.toml",
        "[ui]\ncolor_theme = 'x'\ncompact_output = 1\n[execution]\nmax_retries = -2\n",
    )
    with pytest.raises(SettingsError) as raised:
        machine.load()
    firsts = [line for line in str(raised.value).splitlines() if ": error: " in line]
    assert [line.split(": error: ")[0].rsplit("/", 1)[1] for line in firsts] == [
        "playbook.toml:2:15",
        "playbook.toml:3:18",
        "playbook.toml:5:15",
    ]
