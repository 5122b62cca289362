"""Secret variables: usable in templates, never shown, stored, or allowed in conditions."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from variables_support import program_of

from playbook.cli import cli
from playbook.cli.app import PlaybookGroup, use_redactor
from playbook.compiler import compile
from playbook.diagnostics import PlaybookError
from playbook.redaction import REDACTED, Redactor
from playbook.runtime.store import OpenMode, SQLiteFile, open_store
from playbook.runtime.variables import VariableSources, bind_variables

SECRET = "s3cr'et\\value\n"

RUNBOOK = """
[variables]
TOKEN = { required = true, secret = true, description = "API token" }
USER = { default = "ops" }

[runbook]
title = "t"

[call]
type = "Command"
command_name = "curl -H {{ TOKEN|quote }} -u {{ USER }}"
"""


@pytest.fixture
def bound():
    program = program_of(RUNBOOK)
    return bind_variables(program, VariableSources(cli=(f"TOKEN={SECRET}",), interactive=False))


def test_secrets_are_bound_for_rendering_but_never_stored_or_shown(bound):
    assert bound.values == {"TOKEN": SECRET, "USER": "ops"}
    assert bound.secret_names == frozenset({"TOKEN"})
    assert bound.storable() == {"USER": "ops"}
    assert bound.displayable() == {"TOKEN": "[REDACTED]", "USER": "ops"}


def test_secret_values_are_redacted_as_written_and_as_quoted(bound):
    output = f"token={SECRET}\n+ curl -H 's3cr'\"'\"'et\\value\n' -u ops\nerror: {SECRET!r}"
    assert bound.redactor(output) == (
        "token=[REDACTED]\n+ curl -H [REDACTED] -u ops\nerror: [REDACTED]"
    )


def test_an_invalid_secret_is_reported_without_its_value():
    program = program_of(RUNBOOK.replace("secret = true", 'secret = true, type = "int"'))
    with pytest.raises(PlaybookError) as error:
        bind_variables(program, VariableSources(cli=("TOKEN=hunter2",), interactive=False))
    assert str(error.value) == (
        "error: variable 'TOKEN' from --var: expected an int, got [REDACTED]\n"
        "  hint: TOKEN takes an int"
    )


def test_a_secret_cannot_be_used_in_a_condition():
    text = RUNBOOK + "\nwhen = \"{{ TOKEN == 'x' }}\"\n"
    with pytest.raises(PlaybookError) as error:
        compile(text, "secret.playbook.toml")
    assert "secret variable 'TOKEN' cannot be used in a condition" in str(error.value)


def test_validate_never_shows_a_secret(tmp_path):
    runbook = tmp_path / "secret.playbook.toml"
    runbook.write_text(RUNBOOK + 'timeout = "{{ TOKEN }}"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["validate", str(runbook), "--check-vars", "--var", f"TOKEN={SECRET}"]
    )
    assert result.exit_code == 1
    assert "TOKEN  required  = [REDACTED]  (from --var)" in result.output
    assert "node 'call' field 'timeout': rendered to [REDACTED]: expected an int" in result.output
    assert "s3cr" not in result.output


OPTIONAL_SECRET = """
[variables]
TOKEN = { secret = true, description = "only needed for private mirrors" }
MIRROR = { default = "public" }

[runbook]
title = "Fetch from {{ MIRROR }}"

[fetch]
type = "Command"
command_name = "echo {{ TOKEN | default('anonymous') }} {{ MIRROR }}"
prompt_after = ""
"""


def test_an_optional_secret_left_unset_is_like_any_unset_variable(tmp_path):
    runbook = tmp_path / "fetch.playbook.toml"
    runbook.write_text(OPTIONAL_SECRET, encoding="utf-8")
    command = ["run", str(runbook), "--state-path", str(tmp_path / "run.db")]
    result = CliRunner().invoke(cli, command, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "anonymous public" in result.stdout


@pytest.mark.parametrize("option", ["--var", "--check-vars"])
def test_validate_with_an_optional_secret_unset_reports_the_real_problem(tmp_path, option):
    runbook = tmp_path / "fetch.playbook.toml"
    runbook.write_text(OPTIONAL_SECRET + 'timeout = "{{ MIRROR }}"\n', encoding="utf-8")
    args = ["--var", "MIRROR=internal"] if option == "--var" else ["--check-vars"]
    result = CliRunner().invoke(cli, ["validate", str(runbook), *args])
    assert result.exit_code == 1
    assert "internal error" not in result.output
    assert "node 'fetch' field 'timeout': rendered to " in result.output
    if option == "--check-vars":
        assert "TOKEN   optional  unset" in result.stdout


def test_a_secret_is_found_escaped_inside_larger_quoted_text():
    secret = "pa'ss\"wörd\n"
    redactor = Redactor([secret])
    for text in (
        repr(f"declined: deploy with {secret}?"),
        json.dumps({"reason": f"deploy with {secret}?"}),
        json.dumps([f"deploy with {secret}"], ensure_ascii=False),
    ):
        assert "ss" not in redactor(text), text
        assert REDACTED in redactor(text)


def test_json_keeps_its_structure_when_a_secret_is_redacted_from_it():
    redactor = Redactor(["1234", "hunter2"])
    text = json.dumps({"default": "hunter2", "line": 1234, "note": "pin 1234"})
    assert json.loads(redactor.json_text(text)) == {
        "default": REDACTED,
        "line": 1234,
        "note": f"pin {REDACTED}",
    }
    assert redactor.json_text('{"line": 7}') == '{"line": 7}'


def test_the_store_redacts_every_text_it_writes(tmp_path):
    redactor = Redactor(["hunter2"])
    with open_store(SQLiteFile(tmp_path / "run.db"), OpenMode.CREATE, redactor=redactor) as store:
        run_id = store.create_run(
            title="Deploy hunter2",
            runbook_path="/runbooks/deploy.playbook.toml",
            source_sha256="0" * 64,
            ir=json.dumps({"variables": [{"name": "TOKEN", "default": "hunter2"}]}),
            variables={"URL": "https://hunter2@example.com"},
            operator="ops",
            node_ids=["deploy"],
        )
        store.set_run_status(run_id, "abort", "RUNNING", "ABORTED", "ops", detail="no hunter2")
        record = store.run(run_id)
    assert record is not None
    assert record.title == "Deploy [REDACTED]"
    assert record.variables == {"URL": "https://[REDACTED]@example.com"}
    assert json.loads(record.ir)["variables"][0]["default"] == REDACTED
    assert b"hunter2" not in (tmp_path / "run.db").read_bytes()


def test_errors_and_tracebacks_of_a_command_are_redacted():
    group = PlaybookGroup(name="playbook")

    @group.command()
    def leak() -> None:
        use_redactor(Redactor(["hunter2"]))
        raise RuntimeError("token hunter2 was rejected")

    plain = CliRunner().invoke(group, ["leak"], obj={})
    assert plain.exit_code == 2
    assert plain.stderr.startswith("internal error: RuntimeError: token [REDACTED] was rejected")
    verbose = CliRunner().invoke(group, ["leak"], obj={"verbose": True})
    assert verbose.exit_code == 2
    assert "Traceback (most recent call last)" in verbose.stderr
    assert "RuntimeError: token [REDACTED] was rejected" in verbose.stderr
    assert "hunter2" not in plain.stderr + verbose.stderr
