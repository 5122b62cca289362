"""Node ids: every TOML table key names a node, except the few that are refused with a hint.

Runbooks written for Playbook 1.3 number their steps (`[01_backup]`) and quote ids with dots,
spaces or accents; such an id must work in `depends_on`, in conditions and in the IR.
"""

from __future__ import annotations

import pytest
from compiler_support import toml_string
from hypothesis import example, given
from hypothesis import strategies as st

from playbook.compiler import compile
from playbook.compiler.ast import Literal
from playbook.compiler.ir import Edge, Program
from playbook.compiler.schema import node_id_problem
from playbook.compiler.when import parse_condition
from playbook.diagnostics import PlaybookError

HEADER = '[runbook]\ntitle = "ids"\n'


def _runbook(node_id: str) -> str:
    """A runbook whose first node is `node_id`, named by each form that can name a node."""
    quoted = Literal(node_id).to_text()
    return "\n".join(
        [
            HEADER.rstrip(),
            f"[{toml_string(node_id)}]",
            'type = "Command"',
            'command_name = "true"',
            "[after]",
            'type = "Command"',
            'command_name = "true"',
            f"depends_on = [{toml_string(node_id + ':success')}]",
            "[named]",
            'type = "Command"',
            'command_name = "true"',
            f"depends_on = {toml_string(node_id)}",
            f"when = {toml_string('{{ has_run(' + quoted + ') or is_skipped(' + quoted + ') }}')}",
        ]
    )


def test_numbered_and_quoted_ids_work_in_every_place_that_names_a_node() -> None:
    text = """
[runbook]
title = "Numbered"

[01_backup]
type = "Command"
command_name = "true"

[2fa-check]
type = "Manual"

["db.migrate"]
type = "Command"
command_name = "true"
depends_on = ["01_backup:success", "2fa-check"]

["run backup ✓"]
type = "Command"
command_name = "true"
depends_on = "*"
when = "{{ has_succeeded('db.migrate') and not has_failed(\\"it's\\") }}"

["it's"]
type = "Command"
command_name = "true"
depends_on = "01_backup"
"""
    program = compile(text).program
    assert [node.id for node in program.nodes] == [
        "01_backup",
        "2fa-check",
        "db.migrate",
        "run backup ✓",
        "it's",
    ]
    assert program.node("2fa-check").edges == (Edge("01_backup", "order"),)
    assert program.node("db.migrate").edges == (
        Edge("01_backup", "success"),
        Edge("2fa-check", "order"),
    )
    run_backup = program.node("run backup ✓")
    assert [edge.source for edge in run_backup.edges] == [
        "01_backup",
        "2fa-check",
        "db.migrate",
        "it's",
    ]
    assert run_backup.edges[-1].kind == "condition"
    assert run_backup.trigger is not None
    assert run_backup.trigger.source == ("has_succeeded('db.migrate') and not has_failed('it\\'s')")
    assert program.order == ("01_backup", "2fa-check", "db.migrate", "it's", "run backup ✓")


def test_the_lines_of_quoted_ids_are_known() -> None:
    """Diagnostics about a quoted id point at its own header, dots and brackets included."""
    text = f'{HEADER}\n["a.b [c]"]\ntype = "Command"\n\n["x"]\ntype = "Command"\n'
    with pytest.raises(PlaybookError) as raised:
        compile(text, "ids.playbook.toml")
    located = {(d.message, d.line) for d in raised.value.errors()}
    assert located == {
        ("node 'a.b [c]': missing required field 'command_name'", 4),
        ("node 'x': missing required field 'command_name'", 7),
    }


@given(st.text(min_size=1, max_size=12))
@example("}}")  # named in a condition, inside its braces
def test_any_accepted_id_compiles_and_survives_the_ir(node_id: str) -> None:
    problem = node_id_problem(node_id)
    if node_id in ("runbook", "variables", "after", "named"):
        return
    if problem is not None:
        try:
            compile(_runbook(node_id), "ids.playbook.toml")
        except PlaybookError as error:
            refused = [d for d in error.errors() if d.message.startswith("node id ")]
            assert refused, error.render()
            assert refused[0].line == 3
            assert refused[0].hint
        else:
            raise AssertionError(f"{node_id!r} was accepted: {problem}")
        return
    program = compile(_runbook(node_id)).program
    assert program.order == (node_id, "after", "named")
    assert program.node(node_id).line == 3
    assert program.node("after").edges == (Edge(node_id, "success"),)
    named = program.node("named")
    assert named.edges == (Edge(node_id, "order"),)
    assert named.trigger is not None
    # The condition's text, shown to operators and drawn in diagrams, reads back as written.
    assert parse_condition(named.trigger.source) == named.trigger.expr
    assert Program.loads(program.dumps()) == program


def test_unicode_line_separators_inside_strings_do_not_shift_lines() -> None:
    """TOML ends lines at newlines only; U+2028 or U+0085 inside a string is just a character."""
    text = f'{HEADER}description = "a\u2028b\u0085c"\n\n["step\u2028two"]\ntype = "Manual"\n'
    with pytest.raises(PlaybookError) as raised:
        compile(text, "ids.playbook.toml")
    (refused,) = raised.value.errors()
    assert refused.message == "node id 'step\\u2028two' contains a control or invisible character"
    assert refused.line == 5
    assert raised.value.source_lines is not None
    assert raised.value.source_lines[refused.line - 1] == '["step\u2028two"]'
