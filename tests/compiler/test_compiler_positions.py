"""Each node's line in the IR is the line of its table header, however the file is written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playbook.compiler import compile
from playbook.diagnostics import PlaybookError

#: How a header for node id `{0}` may be written; each is one line.
HEADER_STYLES = ("[{0}]", "  [{0}]", '["{0}"]', "[ {0} ]", "[{0}]  # a comment", "\t[{0}]")
#: Lines inside a multi-line string that look like headers, and are not.
DECOYS = ("[decoy]", "  [step_0]", '["quoted decoy"]', "[runbook]")
#: Fields whose triple quotes sit inside a one-line string or a comment: they open nothing.
STRAY_QUOTES = (
    "prompt_before = 'echo " + '"' * 3 + "'",
    'prompt_before = "it' + "'s " + "'" * 3 + "quoted" + "'" * 3 + '"  # and ' + "'" * 3,
    "# a comment that writes " + '"' * 3 + " or " + "'" * 3,
    "name = " + '"' * 3 + "one line" + '"' * 3 + "  # " + '"' * 3,
)


@st.composite
def runbooks(draw: st.DrawFn) -> tuple[str, dict[str, int]]:
    """The text of a runbook and the line each node's header is on."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = ["[runbook]", 'title = "Positions"']
    expected: dict[str, int] = {}
    for number in range(draw(st.integers(1, 6))):
        node_id = f"step_{number}"
        lines.append("")
        expected[node_id] = len(lines) + 1
        lines.append(draw(st.sampled_from(HEADER_STYLES)).format(node_id))
        lines.append('type = "Command"')
        lines += draw(st.lists(st.sampled_from(STRAY_QUOTES), max_size=1))
        lines.append(f'command_name = "echo {number}"')
        if draw(st.booleans()):
            quote = draw(st.sampled_from(['"""', "'''"]))
            decoys = draw(st.lists(st.sampled_from(DECOYS), min_size=1, max_size=3))
            lines += [f"description = {quote}", *decoys, f"done{quote}"]
    return newline.join(lines) + newline, expected


@given(runbooks())
def test_each_node_is_placed_at_its_header(case: tuple[str, dict[str, int]]) -> None:
    text, expected = case
    program = compile(text, "positions.playbook.toml").program
    assert {node.id: node.line for node in program.nodes} == expected


def test_a_header_inside_a_multiline_string_is_text_not_a_table() -> None:
    text = (
        '[runbook]\ntitle = "T"\n\n[first]\ntype = "Command"\ncommand_name = "true"\n'
        'description = """\n[second]\n"""\n\n[second]\ntype = "Command"\ncommand_name = "x"\n'
    )
    program = compile(text, "decoy.playbook.toml").program
    assert [(node.id, node.line) for node in program.nodes] == [("first", 4), ("second", 11)]


def test_a_key_after_a_stray_triple_quote_is_located() -> None:
    """A one-line string holding triple quotes opens no multi-line string: the mistyped field
    after it is reported at its own line."""
    text = (
        '[runbook]\ntitle = "T"\n\n[first]\ntype = "Command"\n'
        "command_name = 'echo " + '"' * 3 + "'\ntimout = 5\n"
    )
    with pytest.raises(PlaybookError) as raised:
        compile(text, "stray.playbook.toml")
    [diagnostic] = raised.value.diagnostics
    assert (diagnostic.line, diagnostic.message) == (7, "node 'first': unknown field 'timout'")


@pytest.mark.parametrize(
    "field",
    [
        'description = """Write { to open a table',  # a brace in a multi-line string's first line
        'description = "{"  # {',  # braces in a one-line string and a comment
        "function_params = { a = 1, b = { c = 2 } }",  # inline tables that close
    ],
)
def test_a_key_after_braces_that_open_no_table_is_located(field: str) -> None:
    """Only braces outside strings and comments open an inline table, whose keys are not the
    node's: the mistyped field after them is reported at its own line."""
    rest = '\nmore"""\n' if field.count('"""') == 1 else "\n"
    text = '[runbook]\ntitle = "T"\n\n[first]\ntype = "Manual"\n' + field + rest + "timout = 5\n"
    with pytest.raises(PlaybookError) as raised:
        compile(text, "braces.playbook.toml")
    messages = {d.message: d.line for d in raised.value.diagnostics}
    assert messages["node 'first': unknown field 'timout'"] == text.count("\n")
