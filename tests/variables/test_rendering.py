"""Rendering templates field by field with bound values, and converting typed fields."""

from __future__ import annotations

import pytest
from variables_support import EXAMPLES, program_of

from playbook.compiler import load_program
from playbook.diagnostics import PlaybookError
from playbook.runtime.rendering import Renderer, render_node, render_runbook
from playbook.runtime.variables import VariableSources, bind_variables


@pytest.mark.parametrize(
    ("environment", "critical"), [("dev", False), ("staging", False), ("prod", True)]
)
def test_the_specification_variables_example(environment, critical):
    program = load_program(EXAMPLES / "variables.playbook.toml").program
    sources = VariableSources(cli=(f"ENVIRONMENT={environment}",), interactive=False)
    values = bind_variables(program, sources).values

    assert render_runbook(program.runbook, values) == (
        f"Deploy myapp to {environment}",
        "Deploy myapp version latest",
    )
    deploy = render_node(program.node("deploy"), values)
    assert deploy.command_name == f"kubectl apply -f myapp-{environment}.yaml"
    assert deploy.description == f"Deploy myapp version latest to {environment}"
    assert deploy.timeout == 300
    assert deploy.critical is critical
    assert deploy.skip is False


def test_the_type_conversion_example_leaves_params_as_text_for_the_plugin():
    program = load_program(EXAMPLES / "type-conversion.playbook.toml").program
    values = bind_variables(program, VariableSources(interactive=False)).values
    assert render_node(program.node("sleep_step"), values).function_params == {"seconds": "300"}
    assert render_node(program.node("notification"), values).function_params == {
        "message": "Alert for myapp",
        "urgent": "true",
    }


NODES = """
[variables]
SERVICES = { default = ["api", "web"], type = "list" }
ENVIRONMENT = { default = "dev" }
NOTE = { type = "string" }
RETRIES = { default = 2 }

[runbook]
title = "{{ ENVIRONMENT|upper }}"
plugin_config.http = { base = "https://{{ ENVIRONMENT }}.example.com", token = "${TOKEN}" }

[deploy]
type = "Command"
name = "Deploy {{ SERVICES|join(', ') }}"
command_name = "{% for service in SERVICES %}deploy {{ service }} && {% endfor %}true"
description = "{{ NOTE|default('no note') }}"
prompt_before = "Deploy to {{ ENVIRONMENT }}?"
skip = "{{ ENVIRONMENT == 'dev' }}"

[notify]
type = "Function"
plugin = "python"
function = "notify"
function_params = { message = "{{ SERVICES }}", nested = { items = ["{{ RETRIES * 2 }}", 7] } }
plugin_config = { url = "${HOOK}/{{ ENVIRONMENT }}" }
"""


def test_filters_loops_conditionals_and_nested_params():
    program = program_of(NODES)
    renderer = Renderer(bind_variables(program, VariableSources(interactive=False)).values)
    deploy = renderer.node(program.node("deploy"))
    assert deploy.name == "Deploy api, web"
    assert deploy.command_name == "deploy api && deploy web && true"
    assert deploy.description == "no note"
    assert deploy.prompt_before == "Deploy to dev?"
    assert deploy.skip is True
    notify = renderer.node(program.node("notify"))
    # Lists print as JSON so that the plugin layer can convert them back.
    assert notify.function_params == {"message": '["api", "web"]', "nested": {"items": ["4", 7]}}
    # `${NAME}` is left for the plugin layer, which reads it from the environment.
    assert notify.plugin_config == {"url": "${HOOK}/dev"}
    assert renderer.plugin_configs(program.runbook) == {
        "http": {"base": "https://dev.example.com", "token": "${TOKEN}"}
    }
    assert renderer.runbook(program.runbook) == ("DEV", "")


def test_a_value_is_rendered_once():
    program = program_of(NODES)
    values = {"SERVICES": ["{{ ENVIRONMENT }}"], "ENVIRONMENT": "{% raw %}", "NOTE": "{{ 7*7 }}"}
    deploy = render_node(program.node("deploy"), values)
    assert deploy.description == "{{ 7*7 }}"
    assert deploy.name == "Deploy {{ ENVIRONMENT }}"
    assert deploy.prompt_before == "Deploy to {% raw %}?"


def test_render_errors_name_the_node_the_field_and_the_problem():
    program = program_of(
        """
        [variables]
        TIMEOUT = { type = "string", default = "soon" }
        FLAG = { default = "perhaps" }
        MISSING = { type = "string" }

        [runbook]
        title = "{{ MISSING }}"

        [step]
        type = "Command"
        command_name = "run {{ MISSING }}"
        timeout = "{{ TIMEOUT }}"
        critical = "{{ FLAG }}"
        prompt_after = "{{ 1 // 0 }}"
        """
    )
    values = {"TIMEOUT": "soon", "FLAG": "perhaps"}
    with pytest.raises(PlaybookError) as error:
        render_node(program.node("step"), values)
    assert [d.message for d in error.value.diagnostics] == [
        "node 'step' field 'prompt_after': integer division or modulo by zero",
        "node 'step' field 'command_name': 'MISSING' is undefined",
        "node 'step' field 'timeout': rendered to 'soon': expected an int, got 'soon'",
        "node 'step' field 'critical': rendered to 'perhaps': "
        "expected a bool (true/false, yes/no, 1/0), got 'perhaps'",
    ]
    with pytest.raises(PlaybookError) as error:
        render_runbook(program.runbook, values)
    assert str(error.value) == "error: [runbook] field 'title': 'MISSING' is undefined"


@pytest.mark.parametrize(
    ("timeout", "critical", "skip", "message"),
    [
        ("0", "false", "false", "field 'timeout' must be a positive number of seconds, got 0"),
        ("5", "true", "yes", "field 'skip': a critical node cannot be skipped"),
    ],
)
def test_rendered_typed_fields_are_checked(timeout, critical, skip, message):
    program = program_of(
        """
        [variables]
        T = { type = "string" }
        C = { type = "string" }
        S = { type = "string" }

        [runbook]
        title = "t"

        [step]
        type = "Command"
        command_name = "true"
        timeout = "{{ T }}"
        critical = "{{ C }}"
        skip = "{{ S }}"
        """
    )
    with pytest.raises(PlaybookError) as error:
        render_node(program.node("step"), {"T": timeout, "C": critical, "S": skip})
    assert str(error.value) == f"error: node 'step' {message}"


def test_the_sandbox_refuses_python_internals():
    program = program_of(
        """
        [variables]
        NAME = { default = "x" }

        [runbook]
        title = "{{ NAME.__class__.__mro__ }}"

        [step]
        type = "Command"
        command_name = "true"
        """
    )
    with pytest.raises(PlaybookError) as error:
        render_runbook(program.runbook, {"NAME": "x"})
    assert "__class__" in str(error.value)
