"""Where values come from: the five sources in the specification's order, plus resume."""

from __future__ import annotations

import json

import pytest
from variables_support import ScriptedPrompt, program_of

from playbook.diagnostics import PlaybookError
from playbook.runtime.variables import VariableSources, bind_variables

RUNBOOK = """
[variables]
FROM_CLI = { required = true }
FROM_FILE = { required = true }
FROM_ENV = { required = true }
FROM_PROMPT = { required = true, default = "default" }
FROM_DEFAULT = { default = "default" }

[runbook]
title = "t"

[step]
type = "Command"
command_name = "true"
"""


@pytest.fixture
def program():
    return program_of(RUNBOOK)


def test_priority_order_across_all_five_sources(program, write, monkeypatch):
    # Each source offers a value for its own variable and every one of lower rank.
    file = write("vars.toml", 'FROM_CLI = "file"\nFROM_FILE = "file"\n')
    for name in ("FROM_CLI", "FROM_FILE", "FROM_ENV"):
        monkeypatch.setenv(f"PLAYBOOK_VAR_{name}", "env")
    prompt = ScriptedPrompt("prompt")
    sources = VariableSources(cli=("FROM_CLI=cli",), files=(file,), env_prefix="PLAYBOOK_VAR_")

    bound = bind_variables(program, sources, prompt)

    assert bound.values == {
        "FROM_CLI": "cli",
        "FROM_FILE": "file",
        "FROM_ENV": "env",
        "FROM_PROMPT": "prompt",
        "FROM_DEFAULT": "default",
    }
    assert bound.origins == {
        "FROM_CLI": "--var",
        "FROM_FILE": f"--vars-file {file}",
        "FROM_ENV": "environment variable PLAYBOOK_VAR_FROM_ENV",
        "FROM_PROMPT": "the prompt",
        "FROM_DEFAULT": "the default",
    }
    # Only the required variable no source gave is asked for, offering its default.
    assert prompt.asked == [("Enter value for FROM_PROMPT", "default", False)]


def test_an_empty_answer_takes_the_offered_default(program):
    sources = VariableSources(cli=("FROM_CLI=a", "FROM_FILE=b", "FROM_ENV=c"))
    bound = bind_variables(program, sources, ScriptedPrompt("default"))
    assert bound.values["FROM_PROMPT"] == "default"


def test_var_values_may_contain_equals_signs_and_the_last_one_wins(program):
    sources = VariableSources(
        cli=("FROM_CLI=first", "FROM_CLI=a=b==c", "FROM_FILE=", "FROM_ENV= x ", "FROM_PROMPT=p"),
        interactive=False,
    )
    values = bind_variables(program, sources).values
    assert values["FROM_CLI"] == "a=b==c"
    assert values["FROM_FILE"] == ""
    assert values["FROM_ENV"] == " x "


def test_a_var_without_equals_sign_is_an_error(program):
    with pytest.raises(PlaybookError) as error:
        bind_variables(program, VariableSources(cli=("FROM_CLI",), interactive=False))
    assert "--var 'FROM_CLI' is not NAME=VALUE" in str(error.value)


def test_later_variable_files_win_and_json_files_are_read(program, write):
    toml = write("a.toml", 'FROM_CLI = "toml"\nFROM_FILE = "toml"\n')
    data = {"FROM_FILE": "json", "FROM_ENV": "json", "FROM_PROMPT": "json"}
    as_json = write("b.json", json.dumps(data))
    bound = bind_variables(program, VariableSources(files=(toml, as_json), interactive=False))
    assert [bound.values[n] for n in ("FROM_CLI", "FROM_FILE", "FROM_ENV")] == [
        "toml",
        "json",
        "json",
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.toml", "FROM_CLI = ", "bad.toml: error: invalid TOML"),
        ("bad.json", "{", "bad.json:1: error: invalid JSON: Expecting property name"),
        ("list.json", "[1]", "a JSON variables file must hold one object"),
    ],
)
def test_unreadable_variable_files_are_reported(program, write, name, text, message):
    path = write(name, text)
    with pytest.raises(PlaybookError) as error:
        bind_variables(program, VariableSources(files=(path,), interactive=False))
    assert message in str(error.value)


def test_environment_prefix_selects_variables(program, monkeypatch):
    monkeypatch.setenv("DEPLOY_FROM_CLI", "1")
    monkeypatch.setenv("DEPLOY_FROM_FILE", "2")
    monkeypatch.setenv("DEPLOY_FROM_ENV", "3")
    monkeypatch.setenv("DEPLOY_FROM_PROMPT", "4")
    monkeypatch.setenv("PLAYBOOK_VAR_FROM_CLI", "not read: another prefix")
    bound = bind_variables(program, VariableSources(env_prefix="DEPLOY_", interactive=False))
    assert bound.values["FROM_CLI"] == "1"
    assert bound.origins["FROM_ENV"] == "environment variable DEPLOY_FROM_ENV"


def test_the_environment_is_only_read_when_asked(program, monkeypatch):
    monkeypatch.setenv("PLAYBOOK_VAR_FROM_CLI", "env")
    with pytest.raises(PlaybookError) as error:
        bind_variables(program, VariableSources(interactive=False))
    assert "missing required variable 'FROM_CLI'" in str(error.value)


def test_an_undeclared_variable_is_a_warning_naming_its_source(program):
    sources = VariableSources(
        cli=("FROM_CLI=a", "FROM_FILE=b", "FROM_ENV=c", "FROM_PROMPT=d", "FROM_CLII=x"),
        interactive=False,
    )
    bound = bind_variables(program, sources)
    assert "FROM_CLII" not in bound.values
    [warning] = bound.warnings
    assert warning.severity == "warning"
    assert warning.message == (
        "variable 'FROM_CLII' from --var is not declared in the runbook; ignored"
    )
    assert warning.hint == "did you mean 'FROM_CLI'?"


def test_missing_required_variables_are_listed_together_when_not_interactive():
    program = program_of(
        """
        [variables]
        ENVIRONMENT = { required = true, choices = ["dev", "prod"], description = "Target" }
        REGION = { required = true, description = "Cloud region" }
        VERSION = { default = "latest" }

        [runbook]
        title = "t"

        [step]
        type = "Command"
        command_name = "true"
        """
    )
    with pytest.raises(PlaybookError) as error:
        bind_variables(program, VariableSources(interactive=False))
    assert error.value.render() == (
        "error: missing required variable 'ENVIRONMENT' (Target; a string, one of 'dev', 'prod')\n"
        "error: missing required variable 'REGION' (Cloud region; a string)\n"
        "  hint: give values with --var NAME=VALUE, --vars-file FILE or --vars-env PREFIX"
    )


class TestResume:
    """Values stored by a previous run are reused; any explicit source overrides them."""

    @pytest.fixture
    def stored(self):
        return {n: "stored" for n in ("FROM_CLI", "FROM_FILE", "FROM_ENV", "FROM_PROMPT")} | {
            "FROM_DEFAULT": "stored"
        }

    def test_stored_values_are_reused_without_prompting(self, program, stored):
        prompt = ScriptedPrompt()
        bound = bind_variables(program, VariableSources(stored=stored), prompt)
        assert bound.values == stored
        assert set(bound.origins.values()) == {"the resumed run"}
        assert prompt.asked == []

    def test_explicit_sources_override_stored_values(self, program, stored, write, monkeypatch):
        file = write("v.toml", 'FROM_FILE = "file"')
        monkeypatch.setenv("PLAYBOOK_VAR_FROM_ENV", "env")
        sources = VariableSources(
            cli=("FROM_CLI=cli",), files=(file,), env_prefix="PLAYBOOK_VAR_", stored=stored
        )
        values = bind_variables(program, sources).values
        assert [values[n] for n in ("FROM_CLI", "FROM_FILE", "FROM_ENV", "FROM_PROMPT")] == [
            "cli",
            "file",
            "env",
            "stored",
        ]

    def test_stored_values_are_checked_again(self, program, stored):
        typed = program_of(
            RUNBOOK.replace('FROM_DEFAULT = { default = "default" }', "FROM_DEFAULT = 5")
        )
        with pytest.raises(PlaybookError) as error:
            bind_variables(typed, VariableSources(stored=stored, interactive=False))
        assert "variable 'FROM_DEFAULT' from the resumed run: expected an int, got 'stored'" in str(
            error.value
        )
