"""Hostile names, titles and conditions come out of every diagram exactly as written.

The DOT is checked by the real `dot`, reading the text back out of the SVG it draws; the
Mermaid by decoding each label the way Mermaid reads a quoted label.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playbook.compiler import compile
from playbook.compiler.ir import Program
from playbook.diagrams import render_image, to_dot, to_mermaid
from playbook.diagrams.visitor import NodeView, printable

# Node ids that are keywords of DOT or Mermaid, or letters Mermaid reads after an arrow.
HOSTILE = r"""
[variables]
ENV = { default = "dev" }

[runbook]
title = "Hostile \"title\" <b>{x}|y</b> \\ end"

[node]
type = "Manual"
name = "Say \"hi\" \\N \\l <b>{a|b}</b>\nsecond `tick` #quot; fa:fa-car %% end\\"
critical = true

[end]
type = "Command"
command_name = "true"
name = "tab\there bell\u0007 rtl\u202eltr &amp; [x](y) ;"
when = "{{ ENV == 'a\"b<c>{d}|e\\\\f' and has_succeeded('node') }}"

[o]
type = "Function"
plugin = "python"
function = "notify"
depends_on = ["node:failure"]
skip = "{{ ENV == 'x' }}"
"""

SVG = "{http://www.w3.org/2000/svg}"
# A quoted Mermaid label: the node's id, the shape's opening, the text, the shape's closing.
MERMAID_NODE = re.compile(r'^  (n\d+)(?:\["|\("|\{\{")(.*)(?:"\]|"\)|"\}\})$')


@pytest.fixture(scope="module")
def program() -> Program:
    return compile(HOSTILE, "hostile.playbook.toml").program


def test_the_labels_are_the_text_the_user_wrote(program: Program) -> None:
    view = NodeView.of(program.node("node"))
    assert view.lines == (
        'Say "hi" \\N \\l <b>{a|b}</b>',
        "second `tick` #quot; fa:fa-car %% end\\ (node)",
        "Manual · critical",
    )
    end = NodeView.of(program.node("end"))
    assert end.lines[0] == "tab here bell␇ rtl\ufffdltr &amp; [x](y) ; (end)"
    assert end.lines[2:] == (
        "when: ENV == 'a\"b<c>{d}|e\\\\f' and",
        "has_succeeded('node')",
    )
    assert NodeView.of(program.node("o")).lines[1] == "Function · skip (templated)"


@pytest.mark.needs_dot
def test_dot_draws_every_label_literally(program: Program) -> None:
    svg = ET.fromstring(render_image(to_dot(program), "svg"))
    drawn = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") == "node":
            title = group.findtext(f"{SVG}title")
            texts = tuple(text.text for text in group.iter(f"{SVG}text"))
            drawn[title] = texts
    assert set(drawn) == {"node", "end", "o"}
    for node in program.nodes:
        assert drawn[node.id] == NodeView.of(node).lines
    graph_texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert printable(program.runbook.title) in graph_texts


@pytest.mark.needs_dot
def test_dot_edges_join_the_quoted_ids(program: Program) -> None:
    svg = ET.fromstring(render_image(to_dot(program), "svg"))
    edges = {
        group.findtext(f"{SVG}title")
        for group in svg.iter(f"{SVG}g")
        if group.get("class") == "edge"
    }
    assert edges == {"node->end", "node->o"}


def mermaid_labels(text: str) -> dict[str, list[str]]:
    """Each node's label lines as Mermaid shows them, checking nothing in them is syntax."""
    labels = {}
    for line in text.splitlines():
        match = MERMAID_NODE.match(line)
        if match is None:
            continue
        mermaid_id, label = match.groups()
        lines = label.split("<br/>")
        for part in lines:
            assert not set(part) & set('"<>`&'), part
            assert re.fullmatch(r"([^#]|#\d+;)*", part), part
            assert not re.search(r"fa[bklrs]?:fa-", part), part
        labels[mermaid_id] = [
            re.sub(r"#(\d+);", lambda entity: chr(int(entity.group(1))), part) for part in lines
        ]
    return labels


def test_mermaid_shows_every_label_literally(program: Program) -> None:
    text = to_mermaid(program)
    labels = mermaid_labels(text)
    assert labels == {
        f"n{index}": list(NodeView.of(program.node(node_id)).lines)
        for index, node_id in enumerate(program.order)
    }
    # Ids are positions: `end` and `o` would be read as Mermaid syntax.
    assert "  n0 -.->|failure| n2" in text.splitlines()
    assert 'title: "Hostile \\"title\\" <b>{x}|y</b> \\\\ end"' in text.splitlines()


@given(st.text())
def test_any_name_survives_mermaid(name: str) -> None:
    program = compile('[runbook]\ntitle = "t"\n[a]\ntype = "Manual"\n').program
    node = dataclasses.replace(program.nodes[0], name=name)
    program = dataclasses.replace(program, nodes=(node,))
    assert mermaid_labels(to_mermaid(program)) == {"n0": list(NodeView.of(node).lines)}


@given(st.text())
def test_any_title_stays_on_its_line(title: str) -> None:
    program = compile('[runbook]\ntitle = "t"\n[a]\ntype = "Manual"\n').program
    retitled = dataclasses.replace(
        program, runbook=dataclasses.replace(program.runbook, title=title)
    )
    for render in (to_dot, to_mermaid):
        assert len(render(retitled).splitlines()) == len(render(program).splitlines())


# Node ids a runbook may use: digits first, quotes, backslashes, brackets, entities, accents.
HOSTILE_IDS = r"""
[runbook]
title = "Hostile ids"

[01_backup]
type = "Command"
command_name = "true"

["a&b <c> #quot;"]
type = "Command"
command_name = "true"

['x\y\']
type = "Command"
command_name = "true"
depends_on = ["01_backup", "a&b <c> #quot;:success"]

["it's \"q\" [prod] end"]
type = "Manual"
depends_on = "*"
when = '''{{ has_succeeded('x\\y\\') }}'''
"""


@pytest.fixture(scope="module")
def hostile_ids() -> Program:
    return compile(HOSTILE_IDS, "hostile-ids.playbook.toml").program


@pytest.mark.needs_dot
def test_dot_draws_every_node_and_edge_of_hostile_ids(hostile_ids: Program) -> None:
    svg = ET.fromstring(render_image(to_dot(hostile_ids), "svg"))
    groups = list(svg.iter(f"{SVG}g"))
    drawn = [
        tuple(text.text for text in group.iter(f"{SVG}text"))
        for group in groups
        if group.get("class") == "node"
    ]
    assert drawn == [NodeView.of(hostile_ids.node(node_id)).lines for node_id in hostile_ids.order]
    edges = [group for group in groups if group.get("class") == "edge"]
    assert len(edges) == sum(len(node.edges) for node in hostile_ids.nodes) == 6


def test_mermaid_shows_hostile_ids_literally(hostile_ids: Program) -> None:
    text = to_mermaid(hostile_ids)
    assert mermaid_labels(text) == {
        f"n{index}": list(NodeView.of(hostile_ids.node(node_id)).lines)
        for index, node_id in enumerate(hostile_ids.order)
    }
    assert "  n1 -->|success| n2" in text.splitlines()
