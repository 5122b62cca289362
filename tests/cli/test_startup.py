"""Start-up: each command imports only what it needs, and the lazy group stays complete.

What a command imports is read from a real process (`python -X importtime`), less what the
interpreter imports on its own, so the test sees exactly what Playbook loaded.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
from cli_support import Processes, invoke, playbook_command

from playbook.cli import COMMANDS, cli
from playbook.cli.app import LazyCommand
from playbook.compiler import CompileResult

#: Costly on start-up, and needed only by some commands.
HEAVY = (
    "lark",
    "jinja2",
    "rich",
    "markdown_it",
    "graphviz",
    "importlib.metadata",
    "transitions",
    "tomli",
    "sqlite3",
    # The PostgreSQL driver: only a PostgreSQL URL loads it (tests/runtime/test_runtime_store.py
    # shows what happens without it).
    "psycopg",
)

#: What `playbook` needs before it knows which command runs: the group, no command module.
GROUP_MODULES = {"playbook.__main__", "playbook.cli", "playbook.cli.app", "playbook.diagnostics"}

PLAIN = """\
[runbook]
title = "Plain"

[first]
type = "Command"
command_name = "true"
prompt_after = ""

[second]
type = "Command"
command_name = "true"
prompt_after = ""
"""


CONDITIONAL = (
    PLAIN
    + """when = "{{ has_succeeded('first') }}"

[notify]
type = "Function"
plugin = "python"
function = "notify"
function_params = { message = "done" }
prompt_after = ""
"""
)


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    """The PLAIN runbook, written in the test's folder."""
    path = tmp_path / "plain.playbook.toml"
    path.write_text(PLAIN, encoding="utf-8")
    return path


def modules_of(done: subprocess.CompletedProcess[str]) -> set[str]:
    """The modules a process run with PYTHONPROFILEIMPORTTIME=1 reported importing."""
    assert done.returncode == 0, done.stdout + done.stderr
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }


@functools.cache
def interpreter_modules() -> frozenset[str]:
    """What the interpreter imports on its own (site, encodings, .pth files)."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(
        [sys.executable, "-c", "pass"], capture_output=True, text=True, env=env, timeout=60
    )
    return frozenset(modules_of(done))


def imported(processes: Processes, command: list[str], cwd: Path, **env: str) -> set[str]:
    """The modules `command` imports beyond those the interpreter itself starts with."""
    environ = {**os.environ, "COLUMNS": "100", "PYTHONPROFILEIMPORTTIME": "1", **env}
    return modules_of(processes.run(command, cwd=cwd, env=environ)) - interpreter_modules()


def heavy(modules: set[str]) -> set[str]:
    return {name for name in modules if name.split(".")[0] in HEAVY or name in HEAVY}


def playbook_modules(modules: set[str]) -> set[str]:
    return {name for name in modules if name.startswith("playbook.")}


@pytest.mark.slow
@pytest.mark.parametrize("option", ["--help", "--version"])
def test_help_and_version_import_no_command_and_nothing_heavy(
    processes: Processes, tmp_path: Path, option: str
) -> None:
    modules = imported(processes, playbook_command(option), tmp_path)
    assert heavy(modules) == set()
    assert playbook_modules(modules) <= GROUP_MODULES


@pytest.mark.slow
def test_completing_a_command_name_imports_no_command(processes: Processes, tmp_path: Path) -> None:
    completion = {
        "_PLAYBOOK_COMPLETE": "bash_complete",
        "COMP_WORDS": "playbook ",
        "COMP_CWORD": "1",
    }
    modules = imported(processes, playbook_command(), tmp_path, **completion)
    assert heavy(modules) == set()
    assert playbook_modules(modules) <= GROUP_MODULES


@pytest.mark.slow
def test_validate_loads_the_condition_parser_and_plugins_only_when_the_runbook_needs_them(
    processes: Processes, tmp_path: Path, plain: Path
) -> None:
    modules = imported(processes, playbook_command("validate", plain), tmp_path)
    assert "playbook.compiler" in modules
    unused = {"lark", "importlib.metadata", "rich", "graphviz", "transitions", "jinja2"}
    assert unused & modules == set()
    assert not any(name.startswith("playbook.plugins") for name in modules)

    conditional = tmp_path / "conditional.playbook.toml"
    conditional.write_text(CONDITIONAL, encoding="utf-8")
    modules = imported(processes, playbook_command("validate", conditional), tmp_path)
    assert {"lark", "playbook.plugins"} <= modules
    # Plugins are found without importlib.metadata (and the email package it imports).
    assert {"importlib.metadata", "email"} & modules == set()
    # A plain `{{ NAME }}` substitution is read without Jinja2; an expression needs its parser.
    templated = tmp_path / "templated.playbook.toml"
    variables = '[variables]\nNAME = { default = "x" }\n\n'
    templated.write_text(variables + PLAIN.replace('"true"', '"echo {{ NAME }}"'), "utf-8")
    assert "jinja2" not in imported(processes, playbook_command("validate", templated), tmp_path)
    templated.write_text(variables + PLAIN.replace('"true"', '"echo {{ NAME | upper }}"'), "utf-8")
    assert "jinja2" in imported(processes, playbook_command("validate", templated), tmp_path)


@pytest.mark.slow
def test_run_renders_markdown_only_when_there_is_a_description(
    processes: Processes, tmp_path: Path, plain: Path
) -> None:
    state = ("--state-path", tmp_path / "run.db")
    modules = imported(processes, playbook_command("run", plain, *state), tmp_path)
    assert "playbook.runtime.interpreter" in modules
    unused = {"rich.markdown", "markdown_it", "graphviz", "lark", "importlib.metadata", "psycopg"}
    assert unused & modules == set()

    described = tmp_path / "described.playbook.toml"
    described.write_text(PLAIN.replace("\n\n[first]", '\ndescription = "*Read* me"\n\n[first]'))
    modules = imported(processes, playbook_command("run", described, *state), tmp_path)
    assert "rich.markdown" in modules


@pytest.mark.slow
def test_explain_and_state_export_read_the_state_without_the_runtime(
    processes: Processes, tmp_path: Path, plain: Path
) -> None:
    state = ("--state-path", str(tmp_path / "run.db"))
    assert invoke("run", str(plain), *state).code == 0
    for command in (("explain", plain, "1", "first"), ("state", "export", "-")):
        modules = imported(processes, playbook_command(*command, *state), tmp_path)
        assert "playbook.runtime.store.sqlite" in modules
        assert {"playbook.cli.execution", "playbook.runtime.interpreter", "rich"} & modules == set()


def test_help_lists_every_command_with_its_short_help() -> None:
    result = invoke("--help")
    assert result.code == 0, result.text
    listed = result.stdout.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed] == sorted(entry.name for entry in COMMANDS)
    for entry, line in zip(sorted(COMMANDS, key=lambda e: e.name), listed, strict=True):
        assert line.split(None, 1)[1] == entry.short_help


@pytest.mark.parametrize("entry", COMMANDS, ids=[entry.name for entry in COMMANDS])
def test_every_registered_command_loads_and_shows_its_help(entry: LazyCommand) -> None:
    command = entry.load()
    assert isinstance(command, click.Command)
    assert cli.get_command(click.Context(cli), entry.name) is command
    result = invoke(entry.name, "--help")
    assert result.code == 0, result.text
    assert result.stdout.startswith(f"Usage: playbook {entry.name} ")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("sho", "No such command 'sho': did you mean 'show'?"),
        ("set-stauts", "No such command 'set-stauts': did you mean 'set-status'?"),
        ("deploy", "No such command 'deploy'."),
    ],
)
def test_a_mistyped_command_names_the_closest_one(typed: str, message: str) -> None:
    result = invoke(typed, "x")
    assert result.code == 2
    assert result.stderr.splitlines()[-1] == f"Error: {message}"


def test_a_registration_naming_the_wrong_command_is_refused() -> None:
    with pytest.raises(TypeError, match="is not the click command 'run'"):
        LazyCommand("run", "playbook.cli.execution:resume", "Run FILE.").load()
    with pytest.raises(TypeError, match="is not the click command 'compile'"):
        LazyCommand("compile", "playbook.cli.build:json", "Compile FILE.").load()


def complete(words: str) -> list[str]:
    """What bash completion offers for `words` (the last word is the one being typed)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    env = {
        **os.environ,
        "_PLAYBOOK_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
    }
    result = invoke(env=env)
    assert result.code == 0, result.text
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]


def test_set_status_names_the_statuses_as_the_documentation_writes_them() -> None:
    usage = invoke("set-status", "--help")
    assert "FILE RUN_ID {RUNNING|OK|NOK|ABORTED}" in usage.stdout
    wrong = invoke("set-status", "f.playbook.toml", "1", "done")
    assert wrong.code == 2
    assert "'done' is not one of RUNNING, OK, NOK, ABORTED\n" in wrong.stderr
    typo = invoke("set-status", "f.playbook.toml", "1", "abortd")
    assert "'abortd' is not one of RUNNING, OK, NOK, ABORTED; did you mean 'ABORTED'?" in (
        typo.stderr
    )


def test_shell_completion_lists_every_command_and_each_choice() -> None:
    # Options and files: tests/cli/test_completion.py.
    assert complete("playbook ") == sorted(entry.name for entry in COMMANDS)
    assert complete("playbook se") == ["set-status"]
    assert complete("playbook --") == ["--verbose", "--version", "--help"]
    assert complete("playbook view-dag f --format ") == ["png", "svg", "dot", "mmd"]
    assert complete("playbook set-status f 1 ") == ["RUNNING", "OK", "NOK", "ABORTED"]
    assert complete("playbook set-status f 1 a") == ["ABORTED"]


@pytest.mark.slow
def test_validate_compile_and_plan_end_quickly_without_losing_output_or_exit_codes(
    processes: Processes, tmp_path: Path
) -> None:
    """They end without Python's teardown: what they printed must still be whole."""
    steps = "".join(
        f'\n[step{n}]\ntype = "Command"\ncommand_name = "echo {n}"\nprompt_after = ""\n'
        for n in range(2000)
    )
    large = tmp_path / "large.playbook.toml"
    large.write_text('[runbook]\ntitle = "Large"\n' + steps, encoding="utf-8")
    compiled = processes.run(playbook_command("compile", large), cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stderr
    assert len(json.loads(compiled.stdout)["nodes"]) == 2000  # the last buffered bytes too

    valid = processes.run(playbook_command("validate", large), cwd=tmp_path)
    assert (valid.returncode, valid.stdout.splitlines()[0]) == (0, f"{large}: valid")
    planned = processes.run(playbook_command("plan", large), cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.rstrip().endswith(
        "a failure asks: retry, skip (not for critical nodes) or abort"
    )

    broken = tmp_path / "broken.playbook.toml"
    broken.write_text(PLAIN.replace('type = "Command"', 'type = "Comand"', 1), encoding="utf-8")
    invalid = processes.run(playbook_command("validate", broken), cwd=tmp_path)
    assert invalid.returncode == 1
    assert invalid.stderr.rstrip().endswith(f"{broken}: 1 error")


@pytest.mark.parametrize(
    ("command", "kept"),
    [
        (["validate"], CompileResult),
        (["compile"], CompileResult),
        (["plan"], tuple),
        (["view-dag", "--format", "mmd", "--no-open"], type(None)),
    ],
)
def test_what_a_command_ending_at_once_built_stays_referenced_until_the_end(
    plain: Path, command: list[str], kept: type
) -> None:
    """Freed on the way out, a large runbook's IR costs a twentieth of validating it: the
    commands that end at once return it, and the group keeps it (the others keep nothing)."""
    done = invoke(*command, plain)
    assert done.code == 0, done.output
    assert isinstance(cli.built, kept)
    if kept is CompileResult:
        assert [node.id for node in cli.built.program.nodes] == ["first", "second"]
    # A call that fails keeps nothing, not even what the call before it built.
    assert invoke(*command, plain.with_name("missing.playbook.toml")).code != 0
    assert cli.built is None


@pytest.mark.slow
@pytest.mark.parametrize("stream", ["1", "2"])
def test_validate_ends_well_with_a_standard_stream_closed_from_the_start(
    processes: Processes, tmp_path: Path, plain: Path, stream: str
) -> None:
    """Cron and daemons may start a command with no stdout or stderr at all (`>&-`)."""
    command = shlex.join(playbook_command("validate", plain)) + f" {stream}>&-"
    done = processes.run(["sh", "-c", command], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
