"""What the operator sees during a run is what the runbook says: descriptions, the questions
that make sense, each failure once, plugin results readable."""

from __future__ import annotations

import json

import pytest
from runtime_support import Workspace

CONTINUE = "Continue with the next step?"

DEPLOY = """\
[variables]
NOTIFY = { default = false, type = "bool" }

[runbook]
title = "Deploy"

[deploy]
type = "Command"
description = "Rolls the **new release** out to every host."
command_name = "deploy.sh"
"""


def test_a_command_description_is_shown_before_it_runs(ws: Workspace) -> None:
    result = ws.invoke("run", ws.runbook(DEPLOY), "--state-path", ws.db)
    assert result.code == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    shown = next(i for i, line in enumerate(lines) if "Rolls the new release out" in line)
    started = next(i for i, line in enumerate(lines) if "Command deploy" in line)
    assert started < shown < next(i for i, line in enumerate(lines) if "deploy.sh : done" in line)


@pytest.mark.parametrize(
    ("after", "asked"),
    [
        # Nothing after deploy: there is no next step.
        ("", False),
        ('[smoke]\ntype = "Command"\ncommand_name = "curl"\n', True),
        # Runs only if deploy fails, and deploy has just succeeded.
        (
            '[rollback]\ntype = "Command"\ncommand_name = "rollback.sh"\ndepends_on = "deploy:failure"\n',
            False,
        ),
        (
            '[announce]\ntype = "Command"\ncommand_name = "curl"\ndepends_on = "deploy:success"\n',
            True,
        ),
        ('[later]\ntype = "Command"\ncommand_name = "curl"\nskip = true\n', False),
        ('[notify]\ntype = "Command"\ncommand_name = "curl"\nwhen = "{{ NOTIFY }}"\n', False),
        # A condition on a node that has not run yet may still hold.
        (
            '[check]\ntype = "Command"\ncommand_name = "curl"\n'
            '[cleanup]\ntype = "Command"\ncommand_name = "cleanup.sh"\n'
            "depends_on = []\nwhen = \"{{ has_failed('check') }}\"\n",
            True,
        ),
    ],
    ids=["last", "followed", "failure-branch", "success-branch", "skip", "false-when", "unknown"],
)
def test_continue_is_asked_only_when_a_next_step_may_run(
    ws: Workspace, after: str, asked: bool
) -> None:
    file = ws.runbook(DEPLOY + after)
    result = ws.invoke("run", file, "--state-path", ws.db, answers="y\n" * 3)
    assert result.code == 0, result.stdout + result.stderr
    deploy_part = result.stdout.split("Command deploy")[1].split("\n\n")[0]
    assert (CONTINUE in deploy_part) is asked
    # Never after the very last step of the run.
    assert not result.stdout.split("\n\n")[-2].rstrip().endswith(f"{CONTINUE} [y]es/[n]o: y")


def test_a_question_of_the_runbook_s_own_is_asked_after_the_last_step(ws: Workspace) -> None:
    file = ws.runbook(DEPLOY + 'prompt_after = "Is the new release serving traffic?"\n')
    result = ws.invoke("run", file, "--state-path", ws.db, answers="n\na\n")
    assert "Is the new release serving traffic? [y]es/[n]o: n" in result.stdout
    assert ws.attempts(ws.last_run())[0]["exception"] == (
        "answered no to: Is the new release serving traffic?"
    )


FUNCTIONS = """\
[runbook]
title = "Results"

[announce]
type = "Function"
plugin = "python"
function = "notify"
function_params = { message = "🚀 Starting “blue” deploy" }
prompt_after = ""

[process]
type = "Function"
plugin = "my-plugin"
function = "my_function"
function_params = { input = "café ☕" }
prompt_after = ""
"""


def test_function_results_are_shown_once_and_readable(ws: Workspace) -> None:
    result = ws.invoke("run", ws.runbook(FUNCTIONS), "--state-path", ws.db)
    assert result.code == 0, result.stdout + result.stderr
    assert "\\u" not in result.stdout
    # notify prints its text: that is the one time it is shown, not again as the result.
    assert result.stdout.count("🚀 Starting “blue” deploy") == 1
    assert "[INFO] 🚀 Starting “blue” deploy\n" in result.stdout
    # my_function prints nothing: its result is shown, as text.
    assert result.stdout.count("café ☕") == 1
    assert "ok  result: Processed: café ☕ · " in result.stdout
    announce, process = ws.attempts(ws.last_run())
    assert announce["stdout"] == "[INFO] 🚀 Starting “blue” deploy\n"
    assert json.loads(announce["result"]) == "[INFO] 🚀 Starting “blue” deploy"
    assert process["result"] == '"Processed: café ☕"'


def test_a_mistyped_variable_name_is_reported_before_any_question(ws: Workspace) -> None:
    file = ws.runbook(
        '[variables]\nENVIRONMENT = { required = true }\n\n[runbook]\ntitle = "t"\n\n'
        '[show]\ntype = "Command"\ncommand_name = "echo {{ ENVIRONMENT }}"\nprompt_after = ""\n'
    )
    result = ws.invoke(
        "run", file, "--var", "ENVIRONMNT=dev", "--state-path", ws.db, answers="dev\n"
    )
    assert result.code == 0, result.stdout + result.stderr
    warning = result.stderr.index(
        "warning: variable 'ENVIRONMNT' from --var is not declared in the runbook; ignored\n"
        "  hint: did you mean 'ENVIRONMENT'?"
    )
    assert warning < result.stderr.index("Enter value for ENVIRONMENT")


def test_the_variables_heading_is_whole_however_narrow_the_terminal(ws: Workspace) -> None:
    ws.env["COLUMNS"] = "30"
    file = ws.runbook('[variables]\nA = { default = "b" }\n' + DEPLOY.split("\n", 3)[3])
    result = ws.invoke("run", file, "--state-path", ws.db)
    assert result.code == 0, result.stdout + result.stderr
    assert "Variables" in result.stdout.splitlines()
