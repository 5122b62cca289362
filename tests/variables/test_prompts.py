"""Interactive prompts for missing required variables, on a terminal or from a pipe."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from cli_support import Processes
from variables_support import ScriptedPrompt, program_of

from playbook.diagnostics import PlaybookError
from playbook.runtime.variables import VariableSources, bind_variables

PROGRAM = """
[variables]
ENVIRONMENT = { required = true, choices = ["dev", "prod"], description = "Target environment" }
REPLICAS = { required = true, type = "int", min = 1, description = "Pod count" }
TOKEN = { required = true, secret = true }
VERSION = { default = "latest", description = "Version to deploy" }

[runbook]
title = "t"

[step]
type = "Command"
command_name = "true"
"""


def test_prompts_show_description_choices_and_hide_secrets():
    prompt = ScriptedPrompt("prod", "3", "s3cret")
    bound = bind_variables(program_of(PROGRAM), VariableSources(), prompt)
    assert prompt.asked == [
        ("Enter value for ENVIRONMENT (Target environment; one of dev, prod)", None, False),
        ("Enter value for REPLICAS (Pod count)", None, False),
        ("Enter value for TOKEN", None, True),
    ]
    assert bound.values == {
        "ENVIRONMENT": "prod",
        "REPLICAS": 3,
        "TOKEN": "s3cret",
        "VERSION": "latest",
    }


def test_an_invalid_answer_is_explained_and_asked_again(capsys):
    prompt = ScriptedPrompt("qa", "prod", "zero", "0", "2", "", "t")
    bound = bind_variables(program_of(PROGRAM), VariableSources(), prompt)
    assert bound.values["ENVIRONMENT"] == "prod"
    assert bound.values["REPLICAS"] == 2
    assert bound.values["TOKEN"] == "t"
    assert [asked[0].split(" (")[0] for asked in prompt.asked] == [
        "Enter value for ENVIRONMENT",
        "Enter value for ENVIRONMENT",
        "Enter value for REPLICAS",
        "Enter value for REPLICAS",
        "Enter value for REPLICAS",
        "Enter value for TOKEN",
        "Enter value for TOKEN",
    ]
    assert capsys.readouterr().err.splitlines() == [
        "  variable 'ENVIRONMENT' from the prompt: 'qa' is not one of 'dev', 'prod'; "
        "ENVIRONMENT takes a string, one of 'dev', 'prod'",
        "  variable 'REPLICAS' from the prompt: expected an int, got 'zero'; "
        "REPLICAS takes an int, at least 1",
        "  variable 'REPLICAS' from the prompt: '0' is below the minimum 1; "
        "REPLICAS takes an int, at least 1",
        "  TOKEN is required: enter a value",
    ]


def test_the_end_of_input_is_an_error_not_an_endless_question():
    with pytest.raises(PlaybookError) as error:
        bind_variables(program_of(PROGRAM), VariableSources(), ScriptedPrompt("prod"))
    assert str(error.value) == (
        "error: no value for required variable 'REPLICAS': the input ended\n"
        "  hint: give it with --var REPLICAS=VALUE"
    )


SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from playbook.compiler import load_program
    from playbook.runtime.variables import VariableSources, bind_variables

    program = load_program(Path(sys.argv[1])).program
    bound = bind_variables(program, VariableSources(cli=("TOKEN=t",)))
    print(bound.displayable())
    """
)


@pytest.mark.slow
def test_answers_are_read_from_standard_input_when_it_is_a_pipe(
    tmp_path: Path, processes: Processes
) -> None:
    runbook = tmp_path / "r.playbook.toml"
    runbook.write_text(PROGRAM.replace("secret = true", "secret = false"), encoding="utf-8")
    result = processes.run([sys.executable, "-c", SCRIPT, str(runbook)], input="qa\nprod\n3\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "{'ENVIRONMENT': 'prod', 'REPLICAS': 3, 'TOKEN': 't', 'VERSION': 'latest'}"
    )
    assert "Enter value for ENVIRONMENT (Target environment; one of dev, prod): " in result.stderr
    assert "'qa' is not one of 'dev', 'prod'" in result.stderr


@pytest.mark.slow
def test_a_hidden_answer_is_read_from_a_pipe_too(tmp_path: Path, processes: Processes) -> None:
    runbook = tmp_path / "r.playbook.toml"
    runbook.write_text(PROGRAM, encoding="utf-8")
    script = SCRIPT.replace('cli=("TOKEN=t",)', 'cli=("ENVIRONMENT=dev", "REPLICAS=1")')
    result = processes.run([sys.executable, "-c", script, str(runbook)], input="pipe-secret\n")
    assert result.returncode == 0, result.stderr
    assert "'TOKEN': '[REDACTED]'" in result.stdout
    assert "pipe-secret" not in result.stdout + result.stderr
