"""Hostile values cannot change a runbook's structure, and `quote` delivers them intact."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st
from variables_support import program_of

from playbook.runtime.rendering import Renderer
from playbook.runtime.variables import VariableSources, bind_variables

PROGRAM = program_of(
    """
    [variables]
    VALUE = { required = true }

    [runbook]
    title = "Echo {{ VALUE }}"

    [echo]
    type = "Command"
    command_name = "printf '%s' {{ VALUE|quote }}"
    description = "{{ VALUE }}"
    timeout = 10

    [after]
    type = "Command"
    command_name = "true"
    when = "{{ has_succeeded('echo') }}"
    """
)
IR = PROGRAM.dumps()

HOSTILE = st.sampled_from(
    ["'", '"', '"""', "\n", "\r\n", "{{ VALUE }}", "{% raw %}", "{#", "}}", ";", "&&", "|",
     "$(id)", "`id`", "$HOME", "\\", "*", "=", "%s", "-n", " ", "\t", "[after]", "é", "🚀"]
)  # fmt: skip
PLAIN = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=4,
)
VALUES = st.lists(st.one_of(HOSTILE, PLAIN), max_size=8).map("".join)


@pytest.mark.slow
@given(VALUES)
def test_a_value_reaches_the_command_as_exactly_the_characters_given(value):
    bound = bind_variables(PROGRAM, VariableSources(cli=(f"VALUE={value}",), interactive=False))
    renderer = Renderer(bound.values)

    echo = renderer.node(PROGRAM.node("echo"))
    after = renderer.node(PROGRAM.node("after"))

    # The structure is the compiled one, whatever the value: same IR, nodes, fields, order.
    assert PROGRAM.dumps() == IR
    assert [node.id for node in PROGRAM.nodes] == ["echo", "after"]
    assert (echo.timeout, echo.critical, echo.skip) == (10, False, False)
    assert after.command_name == "true"
    # Rendered once: the value appears literally, even when it looks like a template.
    assert echo.description == value
    assert renderer.runbook(PROGRAM.runbook)[0] == f"Echo {value}"
    # A real shell reads the quoted value back as the very same characters.
    output = subprocess.run(
        ["/bin/sh", "-c", echo.command_name], capture_output=True, check=True, timeout=10
    ).stdout
    assert output == value.encode()
