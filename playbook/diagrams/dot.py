"""The IR as Graphviz DOT text: what `dot` turns into the PNG and SVG images."""

from __future__ import annotations

from collections.abc import Iterable

from playbook.compiler.ir import Program
from playbook.diagrams.visitor import (
    BORDER_COLOR,
    CRITICAL_COLOR,
    EDGE_COLOR,
    EDGE_LABEL,
    LEGEND_COLOR,
    STATE_FILL,
    STATE_LABEL,
    TYPE_FILL,
    DiagramVisitor,
    EdgeView,
    NodeView,
    RunOverlay,
)

FONT = "Helvetica"
# A person's step is a hexagon, apart from the boxes that run by themselves: a shell command is a
# plain process box, a plugin function a rounded one.
TYPE_SHAPE = {"Manual": ("hexagon", ""), "Command": ("box", ""), "Function": ("box", "rounded")}
EDGE_STYLE = {"order": "solid", "success": "solid", "failure": "dashed", "condition": "dotted"}


def to_dot(program: Program, overlay: RunOverlay | None = None) -> str:
    """The DOT text of `program`, with each node filled by its state in `overlay`'s run if given.

    The same IR and run always give the same bytes.
    """
    return DotRenderer().render(program, overlay)


class DotRenderer(DiagramVisitor):
    def visit_header(self, title: str) -> Iterable[str]:
        return [
            "digraph playbook {",
            f"  graph [label={quote(title)}, labelloc=t, fontname={FONT}, fontsize=14, rankdir=TB];",
            f"  node [fontname={FONT}, fontsize=11, color={quote(BORDER_COLOR)}, margin=0.15];",
            f"  edge [fontname={FONT}, fontsize=9, arrowsize=0.8];",
        ]

    def visit_node(self, node: NodeView) -> Iterable[str]:
        shape, rounded = TYPE_SHAPE[node.type]
        style = [part for part in ("filled", rounded) if part]
        attributes = {
            "label": "\n".join(node.lines),
            "shape": shape,
            "fillcolor": STATE_FILL[node.state] if node.state else TYPE_FILL[node.type],
        }
        if node.critical:
            attributes |= {"color": CRITICAL_COLOR, "penwidth": "2", "peripheries": "2"}
        if node.conditional:
            style.append("dashed")
        attributes["style"] = ",".join(style)
        return [f"  {quote(node.id)} [{_attributes(attributes)}];"]

    def visit_edge(self, edge: EdgeView) -> Iterable[str]:
        attributes = {"color": EDGE_COLOR[edge.kind], "style": EDGE_STYLE[edge.kind]}
        if EDGE_LABEL[edge.kind]:
            attributes |= {"label": EDGE_LABEL[edge.kind], "fontcolor": EDGE_COLOR[edge.kind]}
        return [f"  {quote(edge.source)} -> {quote(edge.target)} [{_attributes(attributes)}];"]

    def visit_legend(self, states: list[str]) -> Iterable[str]:
        # No node id has a ':' (it separates a node from its outcome in depends_on).
        ids = [quote(f"legend:{state}") for state in states]
        lines = [
            "  subgraph cluster_legend {",
            f'    graph [label="Legend", fontsize=10, style=rounded, color={quote(LEGEND_COLOR)}];',
        ]
        for state, legend_id in zip(states, ids, strict=True):
            attributes = {
                "label": STATE_LABEL[state],
                "shape": "box",
                "style": "filled,rounded",
                "fillcolor": STATE_FILL[state],
            }
            lines.append(f"    {legend_id} [{_attributes(attributes)}];")
        lines.append(f'    {" -> ".join(ids)} [style="invis"];')
        lines.append("  }")
        return lines

    def visit_footer(self) -> Iterable[str]:
        return ["}"]


def quote(text: str) -> str:
    """`text` as a DOT string whose label reads back as `text`.

    DOT itself unescapes only `\\"`, but labels then read backslash sequences
    (`\\n`, `\\l`, `\\N` …) and HTML entities (`&amp;`), so a literal backslash is doubled,
    a newline becomes `\\n` and `&` becomes `&amp;`.
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("&", "&amp;")
    return f'"{escaped}"'


def _attributes(attributes: dict[str, str]) -> str:
    return ", ".join(f"{name}={quote(value)}" for name, value in attributes.items())
