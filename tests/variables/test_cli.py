"""`playbook validate` with variables: --check-vars, --var, --vars-file, --vars-env."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner
from variables_support import EXAMPLES

from playbook.cli import cli
from playbook.cli.app import runbook_argument
from playbook.cli.variables import bind, variable_lines, variable_options
from playbook.compiler import load_program

EXAMPLE = str(EXAMPLES / "variables.playbook.toml")


def validate(*args: str, **kwargs):
    return CliRunner().invoke(cli, ["validate", EXAMPLE, *args], **kwargs)


def test_check_vars_reports_required_and_missing_variables_without_prompting():
    result = validate("--check-vars", input="prod\n")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    start = lines.index("variables:")
    assert lines[start : start + 6] == [
        "variables:",
        "  APP_NAME     optional  = myapp  (from the default)",
        "  ENVIRONMENT  required  MISSING (a string, one of 'dev', 'staging', 'prod')",
        "  VERSION      optional  = latest  (from the default)",
        "  TIMEOUT      optional  = 300  (from the default)",
        "templates: 4 problems rendering them",
    ]
    assert "  error: node 'deploy' field 'command_name': 'ENVIRONMENT' is undefined" in lines
    assert "Enter value" not in result.output


def test_check_vars_with_every_value_given_passes():
    result = validate("--check-vars", "--var", "ENVIRONMENT=prod", "--var", "TIMEOUT=600")
    assert result.exit_code == 0, result.output
    assert "  ENVIRONMENT  required  = prod  (from --var)" in result.output
    assert "  TIMEOUT      optional  = 600  (from --var)" in result.output
    assert result.output.endswith("templates: all render with these values\n")


def test_validate_with_values_renders_everything():
    result = validate("--var", "ENVIRONMENT=dev")
    assert result.exit_code == 0, result.output
    assert "templates: all render with these values" in result.output


def test_validate_with_values_but_a_required_one_missing_fails():
    result = validate("--var", "VERSION=1.2.3")
    assert result.exit_code == 1
    assert result.output == (
        "error: missing required variable 'ENVIRONMENT' (a string, one of 'dev', 'staging', "
        "'prod')\n"
        "  hint: give values with --var NAME=VALUE, --vars-file FILE or --vars-env PREFIX\n"
        f"\n{EXAMPLE}: 1 error\n"
    )


def test_an_invalid_value_fails_validation_naming_its_source():
    result = validate("--var", "ENVIRONMENT=prod", "--var", "TIMEOUT=30")
    assert result.exit_code == 1
    assert "error: variable 'TIMEOUT' from --var: '30' is below the minimum 60" in result.output


def test_a_template_that_does_not_render_fails_validation(tmp_path):
    runbook = tmp_path / "r.playbook.toml"
    runbook.write_text(
        '[variables]\nN = { default = "x" }\n\n[runbook]\ntitle = "t"\n\n'
        '[s]\ntype = "Command"\ncommand_name = "true"\ntimeout = "{{ N }}"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["validate", str(runbook), "--var", "N=soon"])
    assert result.exit_code == 1
    assert (
        "  error: node 's' field 'timeout': rendered to 'soon': expected an int, got 'soon'"
        in result.output
    )


def test_vars_file_and_vars_env_with_its_default_prefix(tmp_path):
    file = tmp_path / "prod.vars.toml"
    file.write_text('ENVIRONMENT = "prod"\n', encoding="utf-8")
    env = {"PLAYBOOK_VAR_VERSION": "2.0", "PLAYBOOK_VAR_EXTRA": "x"}
    result = validate("--check-vars", "--vars-file", str(file), "--vars-env", env=env)
    assert result.exit_code == 0, result.output
    assert f"  ENVIRONMENT  required  = prod  (from --vars-file {file})" in result.output
    assert (
        "  VERSION      optional  = 2.0  (from environment variable PLAYBOOK_VAR_VERSION)"
        in result.output
    )
    assert (
        "warning: variable 'EXTRA' from environment variable PLAYBOOK_VAR_EXTRA is not declared"
        in result.output
    )


def test_vars_env_takes_a_prefix():
    result = validate("--vars-env", "DEPLOY_", "--check-vars", env={"DEPLOY_ENVIRONMENT": "dev"})
    assert result.exit_code == 0, result.output
    assert "(from environment variable DEPLOY_ENVIRONMENT)" in result.output


def test_check_vars_as_json():
    result = validate("--check-vars", "--json", "--var", "ENVIRONMENT=staging")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["valid"] is True
    assert report["variables"]["variables"][1] == {
        "name": "ENVIRONMENT",
        "required": True,
        "secret": False,
        "missing": False,
        "value": "staging",
        "from": "--var",
    }
    assert report["variables"]["template_errors"] == []


def test_plain_validate_does_not_need_values():
    result = validate()
    assert result.exit_code == 0, result.output
    assert "variables:   APP_NAME, ENVIRONMENT (required), VERSION, TIMEOUT" in result.output


@click.command()
@runbook_argument
@variable_options
def fake_run(file, variable_sources):
    """Stands in for `run`, which binds with prompts and shows the effective variables."""
    bound = bind(load_program(file).program, variable_sources)
    click.echo("\n".join(variable_lines(bound)))


def test_the_options_bind_with_prompts_and_show_values_redacted(tmp_path):
    runbook = tmp_path / "r.playbook.toml"
    runbook.write_text(
        (EXAMPLES / "variables.playbook.toml").read_text()
        + '\n[call]\ntype = "Command"\ncommand_name = "use {{ TOKEN }}"\n'
        + "\n[variables.TOKEN]\nrequired = true\nsecret = true\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        fake_run, [str(runbook), "--var", "VERSION=1.2"], input="qa\nprod\nhunter2\n"
    )
    assert result.exit_code == 0, result.output
    assert "Enter value for ENVIRONMENT (one of dev, staging, prod): " in result.output
    assert "'qa' is not one of 'dev', 'staging', 'prod'" in result.output
    assert "Enter value for TOKEN: " in result.output
    assert "hunter2" not in result.output
    assert result.output.splitlines()[-5:] == [
        "  APP_NAME    = myapp  (from the default)",
        "  ENVIRONMENT = prod  (from the prompt)",
        "  VERSION     = 1.2  (from --var)",
        "  TIMEOUT     = 300  (from the default)",
        "  TOKEN       = [REDACTED]  (from the prompt)",
    ]


def test_no_interactive_vars_turns_missing_values_into_an_error():
    result = CliRunner().invoke(fake_run, [EXAMPLE, "--no-interactive-vars"], input="prod\n")
    assert result.exit_code == 1
    assert "missing required variable 'ENVIRONMENT'" in str(result.exception)
