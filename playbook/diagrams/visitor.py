"""What a diagram shows, decided once; the DOT and Mermaid renderers only choose the syntax.

`DiagramVisitor.render` walks a `Program` in topological order — the header, every node, every
edge, the legend of a run's states when it draws one run, the footer — and joins what the
renderer's `visit_*` methods return. The walk, the label text and the palette live here so the
two diagrams of one IR always agree.
"""

from __future__ import annotations

import textwrap
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from playbook.compiler.ir import Node, Program

#: Fill colour of each node type (shapes differ per language, so each renderer picks its own).
TYPE_FILL = {"Manual": "#fff3bf", "Command": "#d0ebff", "Function": "#e5dbff"}
CRITICAL_COLOR = "#c92a2a"
BORDER_COLOR = "#495057"
LEGEND_COLOR = "#adb5bd"
#: Line colour of each edge kind; the renderers add the line style (solid, dashed, dotted).
EDGE_COLOR = {
    "order": "#495057",
    "success": "#2b8a3e",
    "failure": "#c92a2a",
    "condition": "#868e96",
}
#: The text beside an edge: an ordering edge is the default and needs none.
EDGE_LABEL = {"order": "", "success": "success", "failure": "failure", "condition": "condition"}
#: Fill colour of each node state when the diagram shows one run; the legend lists them in this
#: order. `absent` is a node of the runbook that the run does not have.
STATE_FILL = {
    "ok": "#b2f2bb",
    "failed": "#ffa8a8",
    "skipped": "#ffec99",
    "pending": "#f1f3f5",
    "interrupted": "#eebefa",
    "running": "#a5d8ff",
    "absent": "#ffffff",
}
STATE_LABEL = {state: state for state in STATE_FILL} | {"absent": "not in this run"}

# A long condition would make its node as wide as the whole diagram.
CONDITION_WIDTH = 44
# Characters that would reorder the rendered text around them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class RunOverlay:
    """One run drawn over the DAG: each node filled by its state in that run."""

    title: str
    states: Mapping[str, str]
    #: A line added under a node's label: `2 attempts · skipped by operator`.
    notes: Mapping[str, str] = field(default_factory=dict)

    def state(self, node_id: str) -> str:
        return self.states.get(node_id, "absent")

    def legend(self, program: Program) -> list[str]:
        """Every state a run can give a node, and `absent` when the run lacks one of them."""
        states = [state for state in STATE_FILL if state != "absent"]
        if any(self.state(node.id) == "absent" for node in program.nodes):
            states.append("absent")
        return states


@dataclass(frozen=True)
class NodeView:
    """A node as drawn: its label lines and the traits that pick its style."""

    id: str
    type: str
    lines: tuple[str, ...]
    critical: bool
    conditional: bool
    state: str | None = None  # its state in the run drawn, if one is

    @classmethod
    def of(cls, node: Node, overlay: RunOverlay | None = None) -> NodeView:
        lines = _label_lines(node)
        state = None
        if overlay is not None:
            state = overlay.state(node.id)
            note = overlay.notes.get(node.id)
            lines.append(" · ".join([STATE_LABEL[state], *([printable(note)] if note else [])]))
        return cls(
            id=node.id,
            type=node.type,
            lines=tuple(lines),
            critical=node.may_be_critical,
            conditional=node.trigger is not None,
            state=state,
        )


@dataclass(frozen=True)
class EdgeView:
    """An edge as drawn: from the upstream node to the node that waits for it."""

    source: str
    target: str
    kind: str
    index: int  # position among the diagram's edges (Mermaid styles edges by position)


class DiagramVisitor(ABC):
    """Walks the IR once; a subclass turns each part into lines of its language."""

    def render(self, program: Program, overlay: RunOverlay | None = None) -> str:
        title = overlay.title if overlay is not None else program.runbook.title
        lines = list(self.visit_header(printable(title)))
        for node in nodes_in_order(program):
            lines.extend(self.visit_node(NodeView.of(node, overlay)))
        for edge in edges_in_order(program):
            lines.extend(self.visit_edge(edge))
        if overlay is not None:
            lines.extend(self.visit_legend(overlay.legend(program)))
        lines.extend(self.visit_footer())
        return "\n".join(lines) + "\n"

    @abstractmethod
    def visit_header(self, title: str) -> Iterable[str]: ...

    @abstractmethod
    def visit_node(self, node: NodeView) -> Iterable[str]: ...

    @abstractmethod
    def visit_edge(self, edge: EdgeView) -> Iterable[str]: ...

    @abstractmethod
    def visit_legend(self, states: list[str]) -> Iterable[str]:
        """A key to the fill of each state in `states` (STATE_FILL, STATE_LABEL)."""

    @abstractmethod
    def visit_footer(self) -> Iterable[str]: ...


def nodes_in_order(program: Program) -> list[Node]:
    return [program.node(node_id) for node_id in program.order]


def edges_in_order(program: Program) -> list[EdgeView]:
    pairs = ((edge, node.id) for node in nodes_in_order(program) for edge in node.edges)
    return [
        EdgeView(edge.source, target, edge.kind, index)
        for index, (edge, target) in enumerate(pairs)
    ]


def printable(text: str) -> str:
    """`text` on one line with every control character visible instead of acted upon."""
    return " ".join(_printable_line(line) for line in text.splitlines())


def _label_lines(node: Node) -> list[str]:
    title = node.name if node.name == node.id else f"{node.name} ({node.id})"
    details = [node.type, *_flag(node.critical, "critical"), *_flag(node.skip, "skip")]
    lines = [_printable_line(line) for line in title.splitlines() or [""]]
    lines.append(" · ".join(details))
    if node.trigger is not None:
        text = "when: " + printable(node.trigger.source)
        lines.extend(textwrap.wrap(text, CONDITION_WIDTH, break_on_hyphens=False))
    return lines


def _flag(value: bool | str, name: str) -> list[str]:
    """A badge for a flag that is set, or that a template decides at run time."""
    if value is False:
        return []
    return [name if value is True else f"{name} (templated)"]


def _printable_line(line: str) -> str:
    return "".join(_printable_character(character) for character in line)


def _printable_character(character: str) -> str:
    if character == "\t":
        return " "
    if ord(character) < 0x20:
        return chr(0x2400 + ord(character))  # the Unicode "control picture": ␀ … ␟
    if character in _BIDI_CONTROLS or unicodedata.category(character) == "Cc":
        return "\ufffd"
    return character
