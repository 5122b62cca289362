"""The IR as a Mermaid flowchart, for Markdown pages that render Mermaid (GitHub, GitLab …)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from playbook.compiler.ir import NODE_TYPES, Program
from playbook.diagrams.visitor import (
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

# The same shapes as the DOT diagram: hexagon, box, rounded box.
TYPE_SHAPE = {"Manual": ('{{"', '"}}'), "Command": ('["', '"]'), "Function": ('("', '")')}
EDGE_ARROW = {"order": "-->", "success": "-->", "failure": "-.->", "condition": "-.->"}
EDGE_DASHES = {"order": "", "success": "", "failure": "6 4", "condition": "2 3"}
# Mermaid reads these inside a quoted label: quotes end it, `#…;` is an entity, `<…>` is HTML,
# a leading backtick starts Markdown. Each is written as a numeric entity instead.
_SPECIAL = re.compile(r'["#&<>`]')
# `fa:fa-name` inside a label is replaced by a Font Awesome icon.
_ICON = re.compile(r"(fa[bklrs]?):(fa-)")


def to_mermaid(program: Program, overlay: RunOverlay | None = None) -> str:
    """The Mermaid text of `program`, with each node filled by its state in `overlay`'s run if
    given. The same IR and run always give the same bytes."""
    return MermaidRenderer().render(program, overlay)


class MermaidRenderer(DiagramVisitor):
    """Node ids become `n0`, `n1` … by position: Mermaid reserves words (`end`) and letters
    after an arrow (`o`, `x`) that a runbook's ids may use."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._classes: dict[str, list[str]] = {name.lower(): [] for name in NODE_TYPES}
        self._classes |= {"critical": [], "conditional": []}
        self._edges: dict[str, list[int]] = {kind: [] for kind in EDGE_COLOR}
        #: The states of the run drawn, once its legend is written; None: no run is drawn.
        self._states: list[str] | None = None

    def visit_header(self, title: str) -> Iterable[str]:
        # A JSON string is a valid YAML double-quoted scalar, the front matter's syntax.
        return ["---", f"title: {json.dumps(title, ensure_ascii=False)}", "---", "flowchart TB"]

    def visit_node(self, node: NodeView) -> Iterable[str]:
        mermaid_id = self._ids.setdefault(node.id, f"n{len(self._ids)}")
        fill = _state_class(node.state) if node.state else node.type.lower()
        self._classes.setdefault(fill, []).append(mermaid_id)
        if node.critical:
            self._classes["critical"].append(mermaid_id)
        if node.conditional:
            self._classes["conditional"].append(mermaid_id)
        opening, closing = TYPE_SHAPE[node.type]
        label = "<br/>".join(escape(line) for line in node.lines)
        return [f"  {mermaid_id}{opening}{label}{closing}"]

    def visit_edge(self, edge: EdgeView) -> Iterable[str]:
        self._edges[edge.kind].append(edge.index)
        label = f"|{EDGE_LABEL[edge.kind]}|" if EDGE_LABEL[edge.kind] else ""
        source, target = self._ids[edge.source], self._ids[edge.target]
        return [f"  {source} {EDGE_ARROW[edge.kind]}{label} {target}"]

    def visit_legend(self, states: list[str]) -> Iterable[str]:
        self._states = states
        lines = ["  subgraph legend [Legend]", "    direction LR"]
        for state in states:
            legend_id = f"legend_{state}"
            self._classes.setdefault(_state_class(state), []).append(legend_id)
            lines.append(f'    {legend_id}("{escape(STATE_LABEL[state])}")')
        lines.append("  end")
        lines.append(f"  style legend fill:none,stroke:{LEGEND_COLOR}")
        return lines

    def visit_footer(self) -> Iterable[str]:
        if self._states is None:
            fills = {kind.lower(): TYPE_FILL[kind] for kind in NODE_TYPES}
        else:
            fills = {_state_class(state): STATE_FILL[state] for state in self._states}
        lines = [f"  classDef {name} fill:{fill}" for name, fill in fills.items()]
        lines += [
            f"  classDef critical stroke:{CRITICAL_COLOR},stroke-width:3px",
            "  classDef conditional stroke-dasharray:5 3",
        ]
        lines += [f"  class {','.join(ids)} {name}" for name, ids in self._classes.items() if ids]
        for kind, indexes in self._edges.items():
            if indexes:
                dashes = f",stroke-dasharray:{EDGE_DASHES[kind]}" if EDGE_DASHES[kind] else ""
                numbers = ",".join(map(str, indexes))
                lines.append(f"  linkStyle {numbers} stroke:{EDGE_COLOR[kind]}{dashes}")
        return lines


def _state_class(state: str) -> str:
    return f"state_{state}"


def escape(text: str) -> str:
    """`text` safe inside a quoted Mermaid label, shown literally."""
    text = _SPECIAL.sub(lambda match: f"#{ord(match.group())};", text)
    return _ICON.sub(r"\1#58;\2", text)
